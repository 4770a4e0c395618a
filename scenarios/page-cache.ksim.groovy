// The page cache under memory pressure (issue 3): who pays for memory when a file-backed database,
// an anonymous heap and a log writer share one node — clean file pages dropped for free, dirty ones
// written back first, anonymous pages swapped — and how swappiness and the flusher move the bill.
//
//   db      maps a 40 MiB file shared (kind: 'file-shared') and reads it with a zipf skew; with
//           writes, 30 % of its references are stores that dirty the page cache
//   app     a 24 MiB anonymous heap with a hot 30 % (hot-cold)
//   logger  appends to a 16 MiB log with write(2) (a file I/O thread, no mapping): 20,000 pages,
//           far more than the dirty limit lets it keep dirty, so it is throttled (balance_dirty_pages)
//
// The node has 32 MiB, less than the three together. Variants:
//
//   writes=none    read-only database, no logger: reclaim drops clean file pages (pgsteal_file, no
//                  I/O at all) and swaps anonymous ones (pswpout) in the swappiness ratio
//   writes=eager   stores and a logger, the flusher writes dirty data after 100 ms (dirtyExpire,
//                  scaled down from the kernel's 30 s so it happens inside the run): pgpgout
//   writes=lazy    the same with a lazy flusher (dirtyBackgroundRatio 50, dirtyRatio 80): dirty pages
//                  pile up and reclaim meets them at the inactive tail — it cannot drop them, marks
//                  them for immediate reclaim and wakes the flusher (nr_vmscan_immediate_reclaim)
//
//   swappiness 20  file pages are cheap to reclaim: most of the bill goes to the page cache
//   swappiness 100 anon and file are reclaimed alike: the heap swaps (pswpout, pswpin) and the app slows
//
//   bin/ksim run scenarios/page-cache.ksim.groovy
//   bin/ksim run scenarios/page-cache.ksim.groovy --set writes=lazy --set swappiness=20
//
// results.json also has node0.nr_dirty, nr_writeback, nr_file_pages, nr_mapped over time, and
// dirty_throttle_ns (the logger's time paused over the dirty limit).

scenario('page-cache') {
    description 'A file-backed database, an anonymous heap and a log writer in too little memory: clean drops, writeback, swap'
    duration 400.ms
    sampleEvery 10.ms

    variants {
        param 'writes', ['none', 'eager', 'lazy']
        param 'swappiness', [20, 100]
    }

    machine {
        cpus 3
        node(0) { memory 32.MiB; cpus 0..2; provider 'system-ram', latency: 80.ns }
        swap { size 64.MiB; readLatency 80.us; writeLatency 100.us }
        reclaim 'lru'
        swappiness param('swappiness')
        if (param('writes') == 'eager') {
            writeback { dirtyExpire 100.ms; dirtyWritebackInterval 20.ms }
        }
        if (param('writes') == 'lazy') {
            writeback { dirtyBackgroundRatio 50; dirtyRatio 80 }
        }
    }

    file('db.dat') { size 40.MiB }                          // NVMe defaults: 80 us per read, 30 us per write
    file('log.dat') { size 16.MiB }

    policy 'first-touch'
    hardening 'none'

    process('db') {
        mapping 'data', 40.MiB, kind: 'file-shared', file: 'db.dat'
        thread(cpu: 0) { workload 'zipf', theta: 0.8, writeRatio: param('writes') == 'none' ? 0.0 : 0.3 }
    }

    process('app') {
        mapping 'heap', 24.MiB
        thread(cpu: 1) { workload 'hot-cold', hotFraction: 0.3, hotShare: 0.9 }
    }

    if (param('writes') != 'none') {
        process('logger') {
            thread(cpu: 2, file: 'log.dat') { workload 'sequential', writeRatio: 1.0; accesses 20_000 }
        }
    }

    expect {
        metric 'pgsteal_file' greaterThan 0                  // clean file pages were dropped
        metric 'oom_kill' equalTo 0
        if (param('writes') == 'none') {
            metric 'pgpgout' equalTo 0                       // read-only: reclaim never writes a file page
            metric 'node0.nr_dirty' equalTo 0
        } else {
            metric 'pgpgout' greaterThan 0                   // dirty data reached the disk
            metric 'file_writes' equalTo 20_000
            metric 'dirty_throttle' greaterThan 0            // the logger hit the dirty limit
        }
        if (param('writes') == 'lazy') {
            metric 'nr_vmscan_immediate_reclaim' greaterThan 0 // reclaim met dirty pages it could not drop
        }
    }
}

// Reclaim under pressure: a zipf-skewed database and a streaming batch job share one node while
// its memory shrinks from "everything fits" to "nothing does". With the kernel's reclaim ('lru'),
// kswapd wakes when a zone falls below its low watermark and reclaims in the background to the
// high watermark; only when it falls behind and the min watermark is reached do the faulting
// threads stall in direct reclaim (allocstall, pgsteal_direct); when swap is full too, the OOM
// killer picks the largest process. 'strict-lru' is the textbook baseline: no watermarks, one exact
// LRU list, every eviction done synchronously by the faulting thread.
//
//   bin/ksim run scenarios/reclaim-pressure.ksim.groovy
//   bin/ksim run scenarios/reclaim-pressure.ksim.groovy --set memory=48MiB --set reclaim=lru
//
// results.json has the split: pgscan/pgsteal_kswapd against pgscan/pgsteal_direct, allocstall,
// pageoutrun, pgactivate/pgdeactivate/pgrotated, and node0.nr_{in,}active_anon over time.

scenario('reclaim-pressure') {
    description 'A database and a batch job in shrinking memory: kswapd against direct reclaim, swap, then OOM'
    duration 2.s
    sampleEvery 10.ms

    variants {
        param 'memory', [128.MiB, 80.MiB, 64.MiB, 40.MiB]
        param 'reclaim', ['lru', 'strict-lru']
    }

    machine {
        cpus 2
        node(0) { memory param('memory'); cpus 0..1; provider 'system-ram', latency: 80.ns }
        swap { size 32.MiB; readLatency 80.us; writeLatency 100.us }
        reclaim param('reclaim')
        thp 'never'     // 4 KiB pages in both modes, so that the kernel LRU and the exact LRU compare like for like
                        // (strict-lru has no THP); huge pages under reclaim: see thp-fragmentation
    }

    policy 'first-touch'
    hardening 'none'

    process('db') {
        mapping 'heap', 64.MiB
        thread(cpu: 0) { workload 'zipf', theta: 0.9; accesses 1_500_000 }
    }

    process('batch') {
        mapping 'scratch', 32.MiB
        thread(cpu: 1) { workload 'sequential'; accesses 600_000 }
    }

    expect {
        metric 'accesses' greaterThan 0
        if (param('reclaim') == 'lru' && param('memory') < 128.MiB) {
            metric 'pgsteal_kswapd' greaterThan 0     // kswapd did reclaim in the background
        }
        if (param('memory') >= 128.MiB) {
            metric 'pswpout' equalTo 0                 // everything fits: no swap traffic
        }
    }
}

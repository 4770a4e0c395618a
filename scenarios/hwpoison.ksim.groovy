// Hardware memory errors (issue 3): what memory_failure() and soft_offline_page() do to each kind
// of page the simulator has today, one variant per row of the table in docs (spec §7):
//
//   free-buddy    an uncorrected error in free memory: the page is taken off the buddy free lists
//                 and never handed out again (recovered, nobody notices)
//   anon-lru      in a process's anonymous page on the LRU: the page is unmapped, its PTE becomes a
//                 hwpoison entry (recovered); the process dies of SIGBUS when it next touches it
//   anon-pinned   the same page, pinned for DMA (pin_user_pages): the pin is a reference nobody can
//                 drop, so the handler fails (memory_failure_failed); the frame is retired anyway
//                 and the process still dies on access
//   anon-mlocked  an mlocked page (unevictable list): handled as any anon page, recovered, SIGBUS
//   soft-offline  a corrected error past the threshold: the content is migrated to a fresh frame,
//                 the old one retired, and nobody is killed
//   file-clean    a clean page of a file's page cache (the heap is a 128 KiB shared mapping of a file): the
//                 page is dropped without side effects — its PTE cleared, no hwpoison entry — and
//                 truncated from the page cache; the process is not killed and reads the page back
//                 from the file on its next access (one more major fault)
//   file-dirty    the same page, dirtied by stores (writeRatio 1.0): the dirty data is lost, the error
//                 is recorded on the file — a later fsync (by another process) returns EIO — and the
//                 mapper gets a hwpoison entry, so it dies of SIGBUS on its next access
//   shmem         a shmem page (swap-backed page cache that cannot be re-read): the mapper gets a
//                 hwpoison entry and dies on access; the page cache keeps the poison at that index
//
// The process sweeps its heap sequentially, so after the error at 5 ms it touches the bad page
// within the next pass.
//
//   bin/ksim run scenarios/hwpoison.ksim.groovy
//   bin/ksim run scenarios/hwpoison.ksim.groovy --set page=anon-pinned

scenario('hwpoison') {
    description 'memory_failure and soft offline per page kind: free, anon on the LRU, pinned, mlocked; who gets SIGBUS'
    duration 20.ms
    sampleEvery 1.ms

    variants {
        param 'page', ['free-buddy', 'anon-lru', 'anon-pinned', 'anon-mlocked', 'soft-offline', 'file-clean', 'file-dirty', 'shmem']
    }

    machine {
        cpus 1
        node(0) { memory 64.MiB; cpus 0; provider 'system-ram', latency: 80.ns }
        reclaim 'lru'
    }

    policy 'first-touch'
    hardening 'none'

    process('app') {
        switch (param('page')) {
            case ['file-clean', 'file-dirty']:                  // small: each first read waits 80 us for the disk
                mapping 'heap', 128.KiB, kind: 'file-shared', file: 'data.bin'
                break
            case 'shmem':
                mapping 'heap', 4.MiB, kind: 'shmem'
                break
            default:
                mapping 'heap', 4.MiB
        }
        thread(cpu: 0) { workload 'sequential', writeRatio: param('page') == 'file-dirty' ? 1.0 : 0.0 }
        if (param('page') == 'anon-pinned') {
            at(2.ms) { pin 'heap', pages: 16 }           // a driver pins pages 0..15 for DMA
        }
        if (param('page') == 'anon-mlocked') {
            at(2.ms) { mlock 'heap' }                    // every page to the unevictable list
        }
    }

    if (param('page') == 'file-dirty') {
        process('sync') {                                // another user of the file, who fsyncs it after the error
            thread(cpu: 0, file: 'data.bin') { workload 'sequential'; accesses 1 }
            at(8.ms) { fsync 'data.bin' }
        }
    }

    switch (param('page')) {
        case 'free-buddy':
            at(5.ms) { poison node: 0, free: true }
            break
        case 'soft-offline':
            at(5.ms) { softOffline process: 'app', mapping: 'heap', page: 5 }
            break
        default:
            at(5.ms) { poison process: 'app', mapping: 'heap', page: 5 }
    }

    expect {
        switch (param('page')) {
            case 'free-buddy':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 0      // nobody mapped it
                metric 'pgmigrate_success' equalTo 0
                break
            case 'anon-lru':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_failed' equalTo 0
                metric 'memory_failure_sigbus' equalTo 1      // killed on the next access
                break
            case 'anon-pinned':
                metric 'memory_failure_failed' equalTo 1      // "still referenced by 1 users"
                metric 'memory_failure_recovered' equalTo 0
                metric 'memory_failure_sigbus' equalTo 1
                break
            case 'anon-mlocked':
                metric 'unevictable_pgs_mlocked' equalTo 1024 // the whole 4 MiB heap
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 1
                break
            case 'soft-offline':
                metric 'soft_offline_success' equalTo 1
                metric 'pgmigrate_success' equalTo 1          // the content moved
                metric 'memory_failure_sigbus' equalTo 0      // nobody killed
                metric 'memory_failure_recovered' equalTo 0
                break
            case 'file-clean':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 0      // dropped without side effects
                metric 'pgmajfault' equalTo 33                // 32 first reads + the poisoned page read again
                break
            case 'file-dirty':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 1      // the mapper of the lost data dies on access
                metric 'fsync_eio' equalTo 1                  // and the file reports the lost write
                break
            case 'shmem':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 1
                metric 'pgmajfault' equalTo 0                 // shmem pages are zero-filled, never read
                break
        }
        metric 'oom_kill' equalTo 0
    }
}

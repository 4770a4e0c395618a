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
//   device-private  the heap was migrated (migrate_vma) into DEVICE_PRIVATE memory of node 1: the
//                 kernel does not handle errors in device pages (memory_failure returns -ENXIO,
//                 memory_failure_unhandled) and changes nothing; the device memory is bad all the
//                 same, so when the CPU next touches the page the driver's copy back to RAM
//                 (migrate_to_ram) fails and the process dies of SIGBUS
//   device-coherent  the same in DEVICE_COHERENT memory: unhandled, nothing changes; the CPU reads
//                 such a page directly, and ksim does not model that load consuming the poison (in
//                 Linux a machine check, memory_failure again -ENXIO, then SIGBUS), so the run goes on
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
// The rows above use 4 KiB pages (thp 'never'). The heap as transparent huge pages and as hugetlbfs:
//
//   thp           the 2 MiB THP holding the page is split first (thp_split_page), then the 4 KiB
//                 page is handled as anon-lru: recovered, SIGBUS on access
//   thp-pinned    a pinned subpage makes the split fail: memory_failure gives up on the THP
//                 (MF_MSG_UNSPLIT_THP, memory_failure_ignored) and kills the mapper at once (SIGBUS
//                 at 5 ms, not on its next access); the frame is retired when the memory is freed
//   hugetlb       a hugetlbfs page in use (node 0 has a pool of 4): all 512 PTEs become hwpoison
//                 entries — the whole 2 MiB is lost to the process, which gets SIGBUS on access —
//                 and the page leaves the pool (HugePages_Total 4 -> 3); recovered
//   hugetlb-soft-offline  the huge page is migrated to another pool page (pgmigrate_success 512) and
//                 the old one dissolved with the bad frame retired; nobody killed, the pool shrinks
//
// The process sweeps its heap sequentially, so after the error at 5 ms it touches the bad page
// within the next pass (device-private pages come back to RAM one CPU fault at a time, so in that
// variant the next pass takes a few milliseconds).
//
//   bin/ksim run scenarios/hwpoison.ksim.groovy
//   bin/ksim run scenarios/hwpoison.ksim.groovy --set page=anon-pinned

scenario('hwpoison') {
    description 'memory_failure and soft offline per page kind: free, anon on the LRU, pinned, mlocked; who gets SIGBUS'
    duration 20.ms
    sampleEvery 1.ms

    variants {
        param 'page', ['free-buddy', 'anon-lru', 'anon-pinned', 'anon-mlocked', 'soft-offline', 'file-clean', 'file-dirty',
                       'shmem', 'device-private', 'device-coherent', 'thp', 'thp-pinned', 'hugetlb', 'hugetlb-soft-offline']
    }

    machine {
        cpus 1
        node(0) { memory 64.MiB; cpus 0; provider 'system-ram', latency: 80.ns; hugepages(param('page').startsWith('hugetlb') ? 4 : 0) }
        if (param('page').startsWith('device-')) {
            node(1) {                                    // a device's memory, 300 ns away for the CPU
                memory 16.MiB
                device(param('page') == 'device-private' ? 'private' : 'coherent')
                provider 'system-ram', latency: 300.ns
            }
        }
        reclaim 'lru'
        thp param('page').startsWith('thp') ? 'always' : 'never'
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
            case ['hugetlb', 'hugetlb-soft-offline']:
                mapping 'heap', 4.MiB, kind: 'hugetlb'
                break
            default:
                mapping 'heap', 4.MiB
        }
        thread(cpu: 0) { workload 'sequential', writeRatio: param('page') == 'file-dirty' ? 1.0 : 0.0 }
        if (param('page') == 'anon-pinned' || param('page') == 'thp-pinned') {
            at(2.ms) { pin 'heap', pages: 16 }           // a driver pins pages 0..15 for DMA
        }
        if (param('page') == 'anon-mlocked') {
            at(2.ms) { mlock 'heap' }                    // every page to the unevictable list
        }
        if (param('page').startsWith('device-')) {
            at(2.ms) { migrateVma 'heap', to: 1 }        // the driver moves the whole heap to the device
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
        case 'hugetlb-soft-offline':
            at(5.ms) { softOffline process: 'app', mapping: 'heap', page: 5 }
            break
        case 'device-private':
        case 'device-coherent':
            // each migrate_to_ram costs ~60 us, so the sweep, at page 538 when the heap moved, brings
            // device-private pages back slowly: page 700 is still on the device at 5 ms, touched at ~12 ms
            at(5.ms) { poison process: 'app', mapping: 'heap', page: 700 }
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
            case 'device-private':
                metric 'migrate_vma_migrated' equalTo 1024    // the whole heap went to the device
                metric 'memory_failure_unhandled' equalTo 1   // -ENXIO
                metric 'memory_failure_recovered' equalTo 0
                metric 'migrate_to_ram_fail' equalTo 1        // the copy back of the bad page
                metric 'memory_failure_sigbus' equalTo 1
                break
            case 'device-coherent':
                metric 'migrate_vma_migrated' equalTo 1024
                metric 'memory_failure_unhandled' equalTo 1
                metric 'memory_failure_recovered' equalTo 0
                metric 'memory_failure_sigbus' equalTo 0      // CPU consumption of the poison is not modelled
                break
            case 'thp':
                metric 'thp_fault_alloc' equalTo 2            // the 4 MiB heap is two THPs
                metric 'thp_split_page' equalTo 1             // split first
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 1      // killed on the next access
                break
            case 'thp-pinned':
                metric 'thp_split_page_failed' equalTo 1      // the pin refuses the split
                metric 'memory_failure_ignored' equalTo 1     // MF_MSG_UNSPLIT_THP
                metric 'memory_failure_sigbus' equalTo 1      // killed at once
                metric 'memory_failure_recovered' equalTo 0
                break
            case 'hugetlb':
                metric 'memory_failure_recovered' equalTo 1
                metric 'memory_failure_sigbus' equalTo 1
                metric 'HugePages_Total' equalTo 3            // the huge page left the pool
                metric 'thp_fault_alloc' equalTo 0
                break
            case 'hugetlb-soft-offline':
                metric 'soft_offline_success' equalTo 1
                metric 'pgmigrate_success' equalTo 512        // a 2 MiB page moved: 512 base pages
                metric 'memory_failure_sigbus' equalTo 0
                metric 'HugePages_Total' equalTo 3
                break
        }
        metric 'oom_kill' equalTo 0
    }
}

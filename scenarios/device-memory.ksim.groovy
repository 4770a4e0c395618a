// Device memory joining the system (issue 3, memory spec §1-3): the 2016-17 linux-mm debate side by
// side. A device brings 32 MiB of memory the CPU can reach over a coherent link (250 ns a load, about
// three times local DRAM); it initialises at 1 ms. Then its driver (or the application) moves the
// hot half of an application's heap onto it, a driver pins one page of that half for DMA, a second
// process grows until node 0 is full, and at 8 ms the device is to be removed.
//
//   cdm-movable      what CDM (Anshuman Khandual) wanted: the device memory is onlined as an ordinary
//                    memory-only NUMA node, all ZONE_MOVABLE (addMemory online: 'movable'); the heap
//                    moves with move_pages (migrate_pages), pages stay on the LRU and reclaimable.
//                    The moment it is online, ordinary allocations land there: the second process
//                    spills onto it when node 0 runs out (numa_miss). The pinned page sits in
//                    ZONE_MOVABLE, so offlining the device memory fails with -EBUSY
//                    (memory_offline_fail) — the device cannot go away.
//   device-private   HMM (Jérôme Glisse): the memory is ZONE_DEVICE, DEVICE_PRIVATE, memremap'd into
//                    the driver's pool, invisible to the page allocator; migrate_vma moves the pages
//                    (device-private PTE entries). The CPU cannot touch them: every CPU access to one
//                    faults it back to RAM (migrate_to_ram, ~60 us each), and so does the pin (GUP
//                    faults it in). Nothing else ever lands there: the second process must reclaim
//                    and swap instead. Removal: the driver evicts its pages and memunmaps: it works.
//   device-coherent  ZONE_DEVICE, DEVICE_COHERENT (Linux 6.0): migrate_vma again, but the pages are
//                    mapped with normal PTEs and the CPU reads them at the device's latency; they are
//                    never on the LRU and never pinned — the pin migrates its page to RAM first
//                    (FOLL_LONGTERM, migrate_device_coherent) — so removal always works.
//
// Where pages end up: node1.nr_free_pages (CDM) and node1.device_pages_used (ZONE_DEVICE) over
// time in results.json; numa_miss counts the second process's pages that spilled to the device
// in the CDM variant (832 of them), none in the others, where the second process reclaims and
// swaps instead (pswpout). The CPU's cost shows in accesses (both threads, 20 ms) and fault p99
// (migrate_to_ram in device-private). Mind what the numbers charge: move_pages is a system call of
// the application, its CPU copy costs migrate.copy_page per page (~1 GB/s, the 2017 cross-socket
// fit) and blocks the app's thread for ~6 ms; migrate_vma is the driver's, its copies are the
// device's DMA at the link bandwidth (migrate.copy_page_to_device, PCIe 4.0 x16) and the thread
// waits only for pages it touches while they move. After 8 ms the ZONE_DEVICE variants run from
// RAM (the device is gone); the CDM one still reads half its heap at 250 ns.
//
//   bin/ksim run scenarios/device-memory.ksim.groovy
//   bin/ksim run scenarios/device-memory.ksim.groovy --set memory=device-coherent

scenario('device-memory') {
    description 'Coherent device memory as a ZONE_MOVABLE NUMA node (CDM) against ZONE_DEVICE private and coherent with migrate_vma'
    duration 20.ms
    sampleEvery 1.ms

    variants {
        param 'memory', ['cdm-movable', 'device-private', 'device-coherent']
    }

    machine {
        cpus 2
        node(0) { memory 32.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }
        node(1) {                                        // the device's memory: no CPUs, absent until 1 ms
            memory 32.MiB
            hotplug 32.MiB
            provider 'system-ram', latency: 250.ns
            if (param('memory') != 'cdm-movable') {
                device(param('memory') == 'device-private' ? 'private' : 'coherent')
            }
        }
        swap { size 64.MiB; readLatency 20.us; writeLatency 20.us }
        reclaim 'lru'
        minFreeKbytes 1024
    }

    policy 'first-touch'
    hardening 'none'

    process('app') {
        mapping 'heap', 12.MiB
        thread(cpu: 0) { workload 'sequential' }
        if (param('memory') == 'cdm-movable') {
            at(2.ms) { movePages 'heap', to: 1, pages: 1536 }     // the hot half, 6 MiB
        } else {
            at(2.ms) { migrateVma 'heap', to: 1, pages: 1536 }
        }
        at(3.ms) { pin 'heap', pages: 1, from: 10 }              // a driver pins one page for DMA
    }

    process('grower') {
        mapping 'data', 28.MiB
        thread(cpu: 1) { workload 'sequential'; accesses 7168 } // touches every page once, from t = 0
    }

    at(1.ms) {                                                   // the device initialises
        if (param('memory') == 'cdm-movable') {
            addMemory node: 1, online: 'movable'
        } else {
            addMemory node: 1
        }
    }
    at(8.ms) { offlineMemory node: 1 }                           // the device is to be removed

    expect {
        metric 'memory_online_pages' equalTo 8192
        metric 'oom_kill' equalTo 0
        switch (param('memory')) {
            case 'cdm-movable':
                metric 'pgmigrate_success' equalTo 1536          // move_pages moved the hot half
                metric 'numa_miss' greaterThan 0                 // ordinary allocations spilled onto the device
                metric 'memory_offline_fail' equalTo 1           // the pinned page blocks offlining
                metric 'memory_offline_success' equalTo 0
                break
            case 'device-private':
                metric 'migrate_vma_migrated' equalTo 1536
                metric 'migrate_to_ram' greaterThan 0            // every CPU touch of a device page
                metric 'numa_miss' equalTo 0                     // nothing but the driver puts pages there
                metric 'memory_offline_success' equalTo 1        // evicted, then memunmap'd
                metric 'node1.device_pages_used' equalTo 0
                break
            case 'device-coherent':
                metric 'migrate_vma_migrated' equalTo 1536
                metric 'migrate_to_ram' equalTo 0                // the CPU reads coherent pages in place
                metric 'migrate_device_coherent' equalTo 1       // the pin moved its page to RAM first
                metric 'numa_miss' equalTo 0
                metric 'memory_offline_success' equalTo 1
                metric 'node1.device_pages_used' equalTo 0
                break
        }
    }
}

// Automatic NUMA balancing (issue 3, spec §5): memory that starts in the wrong place, and what the
// kernel's two modes do about it. Two sockets (nodes 0 and 1, DRAM) and a CXL memory expander
// (node 2: no CPUs, a slower tier, ~3x the load latency).
//
//   db      its heap was populated by an initialising thread on socket 0 (mlock, as MAP_POPULATE
//           does, then munlock); the work then runs on socket 1: every reference crosses the
//           interconnect
//   cache   runs on socket 0 but its heap outgrows what is left there: the first-touched part is
//           in DRAM, the rest spilled to CXL; its hot set moves through the heap in phases, so
//           most of the time it is hot on CXL
//
//   off               first touch forever
//   autonuma          (kernel.numa_balancing = 1) scan, hinting faults, and a page that faults
//                     twice in a row from the same remote node moves there: db moves to socket 1;
//                     cache's CXL pages move to socket 0 as long as it has room
//   tiering           (= 2) only slower-tier pages are candidates, promoted when hot (hinting fault
//                     within hotThreshold of the scan) and under the rate limit; a full DRAM node
//                     wakes its kswapd, which demotes cold pages to CXL (demotion true) to make room.
//                     cache's hot set follows it into DRAM; db, on the top tier, stays misplaced, and
//                     the room made on node 0 comes partly out of db's cold pages, now on CXL, farther
//                     still from socket 1 (its hot ones come back, promoted to socket 1): slower than off
//   autonuma+tiering  (= 3) both: db moves, cache's hot pages are promoted
//
// The kernel's timings (first scan after 1 s, periods of 1–60 s over 256 MB) are scaled down to
// the scenario's 100s of milliseconds. Compare: sim time (both workers do a fixed amount of work),
// remote refs (share of references served by another node), numa_hint_faults,
// numa_pages_migrated, pgpromote_success and nr_tlb_remote_flush (shootdowns of the scans and
// migrations; their IPI handlers delay the threads they interrupt).
//
//   bin/ksim run scenarios/numa-balancing.ksim.groovy
//   bin/ksim run scenarios/numa-balancing.ksim.groovy --set balancing=tiering

scenario('numa-balancing') {
    description 'Misplaced memory on two sockets and a CXL tier: NUMA balancing off, autonuma, tiering, both'
    duration 2.s
    sampleEvery 10.ms

    variants {
        param 'balancing', ['off', 'autonuma', 'tiering', 'autonuma+tiering']
    }

    machine {
        cpus 4
        node(0) { memory 32.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }
        node(1) { memory 32.MiB; cpus 2..3; provider 'system-ram', latency: 80.ns }
        node(2) { memory 64.MiB; provider 'system-ram', latency: 150.ns, tier: 704 }   // CXL: a tier below DRAM (576)
        distances([[10, 21, 17],
                   [21, 10, 28],
                   [17, 28, 10]])
        demotion true
        numaBalancing(param('balancing')) {
            if (param('balancing') != 'off') {
                scanDelay 5.ms
                scanPeriodMin 10.ms
                scanPeriodMax 200.ms
                scanSize 4.MiB
            }
            if (param('balancing').contains('tiering')) {
                hotThreshold 1.ms
                promoteRateLimit 256.MBps
            }
        }
    }

    policy 'first-touch'
    hardening 'none'

    process('db') {
        mapping 'heap', 16.MiB
        thread(cpu: 0, name: 'init') { workload 'sequential'; accesses 1 }
        thread(cpu: 2, name: 'worker') { workload 'zipf', theta: 0.9; accesses 1_000_000 }
        at(0.ms) {
            mlock 'heap'      // populated from CPU 0: on node 0
            munlock 'heap'
        }
    }

    process('cache') {
        mapping 'heap', 40.MiB
        thread(cpu: 1) { workload 'hot-cold', hotFraction: 0.1, hotShare: 0.9, phase: 200_000; accesses 1_000_000 }
    }

    expect {
        metric 'oom_kill' equalTo 0
        if (param('balancing') == 'off') {
            metric 'numa_hint_faults' equalTo 0
        } else {
            metric 'numa_hint_faults' greaterThan 0
        }
        if (param('balancing').contains('tiering')) {
            metric 'pgpromote_success' greaterThan 0
        }
    }
}

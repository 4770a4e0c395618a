scenario('quickstart') {
    description 'Two NUMA nodes, first-touch against interleave placement under a zipf workload'
    duration 200.ms                 // simulated time limit (required)
    sampleEvery 1.ms                // gauge sampling period (default 1.ms)

    variants {                      // cartesian product, in declaration order
        param 'policy', ['first-touch', 'interleave']
        param 'heap', [48.MiB, 96.MiB]
    }

    machine {
        cpus 4
        node(0) { memory 64.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }
        node(1) { memory 64.MiB; cpus 2..3 }            // provider defaults to 'system-ram', no options
        distances([[10, 21], [21, 10]])                  // optional SLIT matrix
        swap { size 1.GiB; readLatency 80.us; writeLatency 100.us }   // optional; absent = no swap
    }

    policy param('policy')
    hardening 'none'
    costs { minor_fault 1.us }

    process('app') {
        mapping 'heap', param('heap')
        thread(cpu: 0, mapping: 'heap') { workload 'zipf', theta: 0.99; accesses 200_000 }
        thread(cpu: 2) { workload 'uniform'; accesses 200_000 }
    }

    expect {
        metric 'pgfault' greaterThan 0
        metric 'oom_kill' equalTo 0
    }
}

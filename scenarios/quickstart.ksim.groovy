// Quickstart: the question many NUMA threads start with. A process on node 0's CPUs has a heap
// larger than node 0; should its pages go where they are first touched, or be interleaved over
// both nodes? Memory is tight (the heap plus a neighbour outgrow RAM), so reclaim and swap join in.
//
//   bin/ksim run scenarios/quickstart.ksim.groovy
//   bin/ksim run scenarios/quickstart.ksim.groovy --set policy=interleave --seed 7

scenario('quickstart') {
    description 'Two NUMA nodes; first-touch against interleave placement for a zipf-skewed heap that outgrows one node'
    duration 1.s
    sampleEvery 10.ms

    variants {
        param 'policy', ['first-touch', 'interleave']
    }

    machine {
        cpus 4
        node(0) { memory 32.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }
        node(1) { memory 32.MiB; cpus 2..3; provider 'system-ram', latency: 80.ns }
        swap { size 256.MiB; readLatency 80.us; writeLatency 100.us }
    }

    policy param('policy')
    hardening 'none'

    process('app') {
        mapping 'heap', 48.MiB
        thread(cpu: 0) { workload 'zipf', theta: 0.99; accesses 1_500_000 }
        thread(cpu: 1) { workload 'sequential'; accesses 300_000 }
    }

    process('neighbour') {
        mapping 'cache', 24.MiB
        thread(cpu: 2) { workload 'uniform'; accesses 500_000 }
    }

    expect {
        metric 'pgfault' greaterThan 0
        metric 'oom_kill' equalTo 0
    }
}

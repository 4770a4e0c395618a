scenario('unknown-policy') {
    duration 10.ms

    machine {
        cpus 2
        node(0) { memory 4.MiB; cpus 0..1 }
    }
    policy 'frist-touch'
    process('p') {
        mapping 'heap', 2.MiB
        thread(cpu: 0) { workload 'uniform'; accesses 10_000 }
    }

}

scenario('bad-option') {
    duration 10.ms

    machine {
        cpus 2
        node(0) { memory 4.MiB; cpus 0..1 }
    }

    process('p') {
        mapping 'heap', 2.MiB
        thread(cpu: 0) { workload 'zipf', theta: 'high'; accesses 10_000 }
    }

}

scenario('typo') {
    duration 10.ms
    machine {
        cpus 2
        node(0) {
            memmory 4.MiB
            cpus 0..1
        }
    }
    process('p') {
        mapping 'heap', 2.MiB
        thread(cpu: 0) { workload 'uniform'; accesses 10_000 }
    }
}

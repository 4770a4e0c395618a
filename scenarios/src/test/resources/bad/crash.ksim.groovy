scenario('crash') {
    duration 10.ms
    variants { param 'policy', ['first-touch', 'crash-test'] }
    machine {
        cpus 2
        node(0) { memory 4.MiB; cpus 0..1 }
        thp 'never'     // 4 KiB faults: the policy is asked once per page, so it reaches its 100th call
    }
    policy param('policy')
    process('p') {
        mapping 'heap', 2.MiB
        thread(cpu: 0) { workload 'uniform'; accesses 10_000 }
    }

}

scenario('syntax') {
    duration 10.ms
    machine {
        cpus 2
        node(0) { memory 4.MiB; cpus 0..1 
    }

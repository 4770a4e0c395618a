scenario('ipc-zero-limit') {
    duration 10.ms
    ipc {
        transport 'bus1'
        accounting 'quota-n1'
        limits { slices 0 }
        user 'root', uid: 0
        peer('agent', user: 'root') { serve every: 20.us }
    }
}

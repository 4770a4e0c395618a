scenario('ipc-unknown-peer') {
    duration 10.ms
    ipc {
        transport 'bus1'
        accounting 'quota-n1'
        user 'root', uid: 0
        user 'alice', uid: 1000
        peer('agent', user: 'root') { serve every: 20.us, reply: 256.B }
        peer('client', user: 'alice') { rpc 'agnet', every: 1.ms, request: 128.B, timeout: 5.ms }
    }
}

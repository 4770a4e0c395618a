// Revocation in bus1 (docs/ipc.md, spec section 1): destroying a node is the only way to revoke
// access to it. The owner of a document node shares a handle with proxies, which pass it on to
// readers; everyone writes to the node every 50 us. At 20 ms the owner destroys it: NODE_DESTROY
// reaches the owner and every holder in one transaction, messages ordered after the destruction
// are dropped (counted, never lost silently), and a writer that keeps using the handle after it
// released it (on NODE_DESTROY) gets EBADF.
//
//   bin/ksim run scenarios/bus1-revocation.ksim.groovy

scenario('bus1-revocation') {
    description 'A node shared through proxies with N readers is destroyed at 20 ms; later messages are dropped and counted'
    duration 40.ms
    sampleEvery 5.ms

    variants {
        param 'readers', [1, 8, 64]
    }

    ipc {
        transport 'bus1'
        accounting 'quota-n1'

        user 'alice', uid: 1000
        users 'proxies', uid: 2000, count: 2
        users 'readers', uid: 3000, count: 64

        peer('owner', user: 'alice') {
            share to: ['proxy'], at: 1.ms
            destroy at: 20.ms
        }
        peer('proxy', user: 'proxies', count: 2) {
            forward to: ['reader']
            write every: 50.us, bytes: 64.B
        }
        // Readers poll their queue every 2 ms (serve), so they learn of the destruction late and
        // keep writing meanwhile: those messages are ordered after it and dropped.
        peer('reader', user: 'readers', count: param('readers')) {
            serve every: 2.ms
            write every: 50.us, bytes: 64.B
        }
    }

    expect {
        metric 'ipc_nodes_destroyed' equalTo 1
        metric 'ipc_dropped' greaterThan 0
        metric 'ipc_ebadf' greaterThan 0
    }
}

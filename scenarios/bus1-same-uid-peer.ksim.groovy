// A4 of the bus1 debate (docs/ipc.md): a peer of the agent's own uid that never dequeues. The
// agent publishes an event to its 'monitor' peer (also root) for every 25 us; the monitor hangs and
// never reads. Every quota rule exempts a user charging itself (it is limited by what it has left,
// R, only), so the monitor's queue eats root's whole budget and the honest clients' requests to
// the agent, charged to root, fail. Sender-side accounting charges the agent's events to root as
// well. What saves the agent is a per-peer limit: the second variant caps every peer's queue and
// pool at 256 slices.
//
//   bin/ksim run scenarios/bus1-same-uid-peer.ksim.groovy

scenario('bus1-same-uid-peer') {
    description 'A4: the agent publishes events to a root peer that never reads; eight honest clients call the agent every ms'
    duration 200.ms
    sampleEvery 10.ms

    variants {
        param 'peerSlices', [16384, 256]
        param 'accounting', ['no-quota', 'sender', 'bus1-half', 'quota-n1', 'request-reply']
    }

    ipc {
        transport 'bus1'
        accounting param('accounting')
        limits { slices 1024; bytes 1.MiB }
        peerLimits { slices param('peerSlices') }

        user 'root', uid: 0
        users 'clients', uid: 1000, count: 8

        peer('agent', user: 'root') {
            serve every: 20.us, reply: 256.B
            flood 'monitor', every: 25.us, bytes: 64.B
        }
        peer('monitor', user: 'root') { reads false }
        peer('client', user: 'clients', count: 8) {
            rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 50.ms
        }
    }

    // What the mechanism shows: without a per-peer limit the monitor's queue takes root's whole
    // budget under every policy (requests or, with sender-side accounting, replies are refused);
    // a per-peer limit of 256 slices keeps every honest call served.
    expect {
        if (param('peerSlices') > 1024) {
            if (param('accounting') == 'sender') {
                metric 'ipc.client.calls_timed_out' greaterThan 0
            } else {
                metric 'ipc.client.calls_failed' greaterThan 0
            }
        } else {
            metric 'ipc.client.calls_failed' equalTo 0
            metric 'ipc.client.calls_timed_out' equalTo 0
        }
    }
}

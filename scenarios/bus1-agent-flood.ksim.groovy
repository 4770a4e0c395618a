// A1 of the bus1 debate (docs/ipc.md): a user floods a system agent. With receiver-side
// accounting and no quota the flood fills the agent's budget and its honest clients get EDQUOT;
// a quota caps the flooder's share of what is left; sender-side accounting charges the flooder.
//
//   bin/ksim run scenarios/bus1-agent-flood.ksim.groovy

scenario('bus1-agent-flood') {
    description 'A1: mallory floods the agent at 200k msg/s; eight honest clients call it every ms'
    duration 300.ms
    sampleEvery 10.ms

    variants {
        param 'accounting', ['no-quota', 'sender', 'bus1-half', 'quota-n1', 'request-reply']
    }

    ipc {
        transport 'bus1'
        accounting param('accounting')
        limits { slices 1024; bytes 1.MiB }

        user 'root', uid: 0
        users 'clients', uid: 1000, count: 8
        user 'mallory', uid: 2000

        peer('agent', user: 'root') { serve every: 20.us, reply: 256.B }
        peer('client', user: 'clients', count: 8) {
            rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 50.ms
        }
        peer('flooder', user: 'mallory') { flood 'agent', rate: 200_000, bytes: 64.B; reads false }
    }

    // The debate's conclusion, only where the mechanism produces it: without a quota the flood
    // takes the agent's whole budget and honest calls fail with EDQUOT; every other rule keeps
    // the clients served.
    expect {
        metric 'ipc.client.calls_completed' greaterThan 0
        if (param('accounting') == 'no-quota') {
            metric 'ipc.client.calls_failed' greaterThan 0
        } else {
            metric 'ipc.client.calls_failed' equalTo 0
        }
    }
}

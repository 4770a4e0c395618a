// A3 of the bus1 debate (docs/ipc.md): k colluding uids flood a system agent together. Every uid
// is its own accounting user (bus1 accounts per global uid, not per namespace), so each colluder
// gets its own quota share; the half rule leaves about 2^-k of the agent's budget, n+1 about
// 1/(k+1) per newcomer. The last variant is a container: 65536 sub-uids (uid-mapped to one owner,
// mallory) cost nothing to get, and each is a separate uid to the accounting.
//
//   bin/ksim run scenarios/bus1-many-uids.ksim.groovy

scenario('bus1-many-uids') {
    description 'A3: k colluding uids (1..64, then a 65536-sub-uid container) flood the agent; eight honest clients call it every ms'
    duration 100.ms
    sampleEvery 10.ms

    variants {
        param 'colluders', [1, 2, 4, 8, 16, 32, 64, 65536]
        param 'accounting', ['no-quota', 'sender', 'bus1-half', 'quota-n1', 'request-reply']
    }

    def k = param('colluders')
    def inContainer = k > 64

    ipc {
        transport 'bus1'
        accounting param('accounting')
        limits { slices 1024; bytes 1.MiB }

        user 'root', uid: 0
        users 'clients', uid: 1000, count: 8
        user 'mallory', uid: 2000
        if (inContainer) {
            container 'box', owner: 'mallory', uid: 100000, subuids: k
        } else {
            users 'colluders', uid: 3000, count: k
        }

        peer('agent', user: 'root') { serve every: 20.us, reply: 256.B }
        peer('client', user: 'clients', count: 8) {
            rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 50.ms
        }
        // Together the colluders send 200k msg/s (at least 100 msg/s each): four times what the agent serves.
        peer('colluder', user: inContainer ? 'box' : 'colluders', count: k) {
            flood 'agent', rate: Math.max(100, 200_000.intdiv(k)), bytes: 64.B
            reads false
        }
    }

    // What the mechanism shows (docs/ipc.md): without a quota any k starves the clients; sender-side
    // accounting never refuses them, but k uids can keep k budgets queued at the agent, so from
    // k = 4 on their calls wait past the timeout; the quota rules hold up to k = 16 here, the
    // honest clients being quota-limited too once the queue is deep; a container's 65536 sub-uids
    // break every rule.
    expect {
        if (param('accounting') == 'no-quota' || inContainer) {
            metric 'ipc.client.calls_failed' greaterThan 0
        } else if (param('accounting') == 'sender') {
            metric 'ipc.client.calls_failed' equalTo 0
            if (k >= 4) {
                metric 'ipc.client.calls_timed_out' greaterThan 0
            }
        } else if (k <= 16) {
            metric 'ipc.client.calls_failed' equalTo 0
            metric 'ipc.client.calls_timed_out' equalTo 0
        }
    }
}

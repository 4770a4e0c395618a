// A2 of the bus1 debate (docs/ipc.md): Linus Torvalds' reversal of A1. Mallory sends requests to
// the agent and never reads the replies. With sender-side accounting the unread replies stay
// charged to the agent, until it cannot reply to anyone; request-and-reply accounting charges the
// reply to the caller (and disconnects a caller that cannot take it).
//
//   bin/ksim run scenarios/bus1-unread-replies.ksim.groovy

scenario('bus1-unread-replies') {
    description 'A2: mallory calls the agent 20k times/s and never reads the replies; eight honest clients call it every ms'
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

        peer('agent', user: 'root') { serve every: 10.us, reply: 256.B }
        peer('client', user: 'clients', count: 8) {
            rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 50.ms
        }
        peer('mallory', user: 'mallory') {
            rpc 'agent', every: 50.us, request: 64.B, reply: 256.B, timeout: 1.s
            reads false
        }
    }

    // Only sender-side accounting leaves the unread replies on the agent's budget: the agent can
    // no longer answer honest clients, whose calls time out. Request-reply disconnects mallory.
    expect {
        metric 'ipc.client.calls_completed' greaterThan 0
        if (param('accounting') == 'sender') {
            metric 'ipc.client.calls_timed_out' greaterThan 0
        } else {
            metric 'ipc.client.calls_timed_out' equalTo 0
        }
        if (param('accounting') == 'request-reply') {
            metric 'ipc_reply_disconnects' greaterThan 0
        }
    }
}

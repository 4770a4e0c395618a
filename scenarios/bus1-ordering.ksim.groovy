// bus1's global order without a global lock (docs/ipc.md, spec section 2): every queue has a
// Lamport clock; a SEND stages its entries at odd timestamps, then commits them all at one even
// timestamp above every destination's clock; staged entries block what is ordered after them.
// Here publishers multicast concurrently to sixteen subscribers (a multicast to 18 destinations
// keeps its entries staged for ~12 us, so staging windows overlap all the time), and relays turn
// what they receive into new multicasts: causal chains publisher -> relay -> echo -> subscribers.
// The run checks, independently of the bus's timestamps, that every two receivers dequeue their
// common messages in the same order and that no receiver sees an effect before its cause.
//
//   bin/ksim run scenarios/bus1-ordering.ksim.groovy

scenario('bus1-ordering') {
    description 'Concurrent multicasts to 16 subscribers plus two-hop relay chains; order checked pairwise and causally'
    duration 50.ms
    sampleEvery 5.ms

    variants {
        param 'publishers', [1, 4, 16]
    }

    ipc {
        transport 'bus1'
        accounting 'quota-n1'

        users 'pub', uid: 1000, count: 16
        users 'sub', uid: 2000, count: 16
        users 'relayers', uid: 3000, count: 4

        peer('publisher', user: 'pub', count: param('publishers')) {
            multicast ['subscriber', 'relay'], every: 100.us, bytes: 256.B
        }
        peer('relay', user: 'relayers', count: 2) { relay to: ['subscriber', 'echo'], bytes: 64.B, hops: 1 }
        peer('echo', user: 'relayers', count: 2) { relay to: ['subscriber'], bytes: 64.B, hops: 2 }
        peer('subscriber', user: 'sub', count: 16) { }
    }

    expect {
        metric 'ipc_order_checked' greaterThan 0
        metric 'ipc_causal_checked' greaterThan 0
        metric 'ipc_order_inversions' equalTo 0
        metric 'ipc_causal_violations' equalTo 0
        metric 'ipc_order_violations' equalTo 0
    }
}

// Page replacement on a real program: valgrind lackey recorded every instruction fetch and data
// access of /bin/true (dynamic loader, libc start-up and exit: 167,000 references to 139 distinct
// 4 KiB pages; traces/README.md says how). How many page faults does it take as memory shrinks?
// With reclaim 'strict-lru' the answer is exactly an LRU cache's miss curve, which
// TraceValidationTest checks against an independent LRU; reclaim 'lru' is the kernel's two-list LRU
// (second-reference activation, kswapd against watermarks) on the same axis. These memories are
// far below the kernel's min_free_kbytes floor (128 KiB), so the reserve is set to 0: the
// watermarks become min 0, low 1, high 2 pages.
//
//   bin/ksim run scenarios/page-replacement.ksim.groovy
//   bin/ksim run scenarios/page-replacement.ksim.groovy --set memory=96KiB

scenario('page-replacement') {
    description 'A valgrind lackey trace of /bin/true replayed in shrinking memory: faults and swap traffic per memory size'
    duration 60.s
    sampleEvery 10.ms

    variants {
        param 'memory', [64.KiB, 96.KiB, 128.KiB, 192.KiB, 256.KiB, 576.KiB]
        param 'reclaim', ['strict-lru', 'lru']
    }

    machine {
        cpus 1
        node(0) { memory param('memory'); cpus 0; provider 'system-ram', latency: 80.ns }
        swap { size 4.MiB; readLatency 80.us; writeLatency 100.us }
        reclaim param('reclaim')
        minFreeKbytes 0
    }

    policy 'first-touch'
    hardening 'none'

    process('true') {
        mapping 'image', 1.MiB
        thread(cpu: 0) { workload 'trace', file: 'traces/true.lackey.zst', format: 'lackey', instructions: true }
    }

    expect {
        metric 'accesses' equalTo 167_573
        metric 'oom_kill' equalTo 0
    }
}

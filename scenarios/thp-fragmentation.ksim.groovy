// Transparent huge pages on fragmented memory (issue 3): how often does a THP fault get its 2 MiB
// page as free memory fragments, and what does compaction buy?
//
// A 'frag' process (MADV_NOHUGEPAGE, 4 KiB pages) fills 120 of the node's 128 MiB, then at 100 ms
// pages out (MADV_PAGEOUT) all but a few pages of every 2 MiB it spans: the free memory comes back
// in holes between the pages it keeps. At 200 ms an 'app' process faults a 64 MiB heap in (THP
// 'always': one fault per 2 MiB when a huge page can be had, 4 KiB faults otherwise).
//
//   fragmentation  pages 'frag' keeps per 2 MiB pageblock
//     none         0: the paged-out memory is free in whole pageblocks
//     light        1: every pageblock it spanned holds one movable page
//     medium       16 (3 %)
//     heavy        128 (25 %)
//     pinned       16, each pinned by a driver (pin_user_pages): compaction cannot move them
//   defrag         transparent_hugepage/defrag for a fault that finds no free huge page
//     never        fall back to 4 KiB at once
//     defer        fall back at once, wake kcompactd, which compacts in the background
//     always       compact directly in the faulting thread (compact_stall), then retry
//
// Columns: thp_fault_alloc / thp_fault_fallback and thp_fault_success_permille (alloc per 1000 THP
// faults); compact_stall / compact_success / compact_fail (direct compaction), compact_daemon_wake
// (kcompactd), compact_blocked_pinned (pinned pages the migrate scanner had to leave); fault p99
// (direct compaction stalls show up there; a THP fault itself clears 2 MiB, ~210 us). results.json
// also has node0.unusable_index over time (the share of free memory unusable for a 2 MiB page: it
// jumps at 100 ms with fragmentation), compact_migrate_scanned / compact_free_scanned,
// pgmigrate_success and the whole fault_latency histogram.
//
//   bin/ksim run scenarios/thp-fragmentation.ksim.groovy
//   bin/ksim run scenarios/thp-fragmentation.ksim.groovy --set fragmentation=heavy --set defrag=always

def kept = [none: 0, light: 1, medium: 16, heavy: 128, pinned: 16]
def fragPages = 120 * 256          // 120 MiB of 4 KiB pages
def blockPages = 512               // a 2 MiB pageblock

scenario('thp-fragmentation') {
    description 'THP success rate as free memory fragments, with and without compaction (direct, kcompactd)'
    duration 400.ms
    sampleEvery 10.ms

    variants {
        param 'fragmentation', ['none', 'light', 'medium', 'heavy', 'pinned']
        param 'defrag', ['never', 'defer', 'always']
    }

    machine {
        cpus 2
        node(0) { memory 128.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }
        swap { size 256.MiB; readLatency 80.us; writeLatency 100.us }
        reclaim 'lru'
        thp 'always'
        thpDefrag param('defrag')
    }

    policy 'first-touch'
    hardening 'none'

    process('frag') {
        mapping 'junk', 120.MiB, madvise: 'nohugepage'
        thread(cpu: 1) { workload 'sequential'; accesses fragPages }
        int keep = kept[param('fragmentation')]
        if (keep == 0) {
            at(100.ms) { madvise 'junk', advice: 'pageout' }
        } else {
            int stride = blockPages.intdiv(keep)
            for (int p = 0; p < fragPages; p += stride) {
                int page = p
                at(100.ms) { madvise 'junk', advice: 'pageout', from: page + 1, pages: stride - 1 }
                if (param('fragmentation') == 'pinned') {
                    at(150.ms) { pin 'junk', from: page, pages: 1 }
                }
            }
        }
    }

    process('app') {
        mapping 'heap', 64.MiB
        thread(cpu: 0, start: 200.ms) { workload 'sequential'; accesses 64 * 256 }
    }

    expect {
        metric 'oom_kill' equalTo 0
        metric 'thp_fault_alloc' greaterThan 0                  // the 8 MiB 'frag' never touched stays whole
        if (param('fragmentation') == 'none') {
            metric 'thp_fault_fallback' equalTo 0
        }
        if (param('defrag') == 'never') {
            metric 'compact_stall' equalTo 0
            metric 'compact_daemon_wake' equalTo 0
        }
        if (param('defrag') == 'always' && param('fragmentation') in ['light', 'medium', 'heavy']) {
            metric 'compact_success' greaterThan 0
        }
        if (param('fragmentation') == 'pinned' && param('defrag') == 'always') {
            metric 'compact_blocked_pinned' greaterThan 0
        }
    }
}

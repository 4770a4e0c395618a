package dev.ksim.engine.mm.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ksim.engine.invariant.InvariantCheck;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: booted zones and invariant runs. */
final class Zones {
    private Zones() {
    }

    /** A memmap [base, base + pages) with one zone of {@code type} holding all of it, online. */
    static Zone booted(int base, int pages, ZoneType type) {
        MemMap m = new MemMap(base, pages);
        m.addMemory(base, pages);
        Zone z = new Zone(m, 0, type, null);
        z.onlinePages(base, pages);
        return z;
    }

    static Zone normal(int pages) {
        return booted(0, pages, ZoneType.NORMAL);
    }

    static List<String> violations(Zone z) {
        List<String> v = new ArrayList<>();
        for (InvariantCheck c : z.invariants()) {
            List<String> one = new ArrayList<>();
            c.check(one);
            for (String s : one) {
                v.add(c.name() + " " + s);
            }
        }
        return v;
    }

    static void assertClean(Zone z) {
        assertEquals(List.of(), violations(z));
    }

    static long[] freeCounts(Zone z) {
        long[] c = new long[MemMap.NR_PAGE_ORDERS];
        for (int o = 0; o < c.length; o++) {
            c[o] = z.nrFree(o);
        }
        return c;
    }
}

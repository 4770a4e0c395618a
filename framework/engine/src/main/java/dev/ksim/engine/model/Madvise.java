package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The madvise(2) advice ksim simulates, by the name scenarios use ({@code madvise 'heap', advice: 'hugepage'},
 * or {@code madvise: 'hugepage'} on a mapping).
 */
public enum Madvise {
    /** MADV_HUGEPAGE: the range wants transparent huge pages (VM_HUGEPAGE). */
    HUGEPAGE("hugepage", true),
    /** MADV_NOHUGEPAGE: never back the range with transparent huge pages (VM_NOHUGEPAGE). */
    NOHUGEPAGE("nohugepage", true),
    /** MADV_PAGEOUT (Linux 5.4): reclaim the range's pages now (swap them out). */
    PAGEOUT("pageout", false);

    private final String key;
    private final boolean mappingAttribute;

    Madvise(String key, boolean mappingAttribute) {
        this.key = key;
        this.mappingAttribute = mappingAttribute;
    }

    public String key() {
        return key;
    }

    /** Whether it is a lasting attribute of the range (a VMA flag), so a mapping may carry it from the start. */
    public boolean mappingAttribute() {
        return mappingAttribute;
    }

    public static Madvise of(String key) {
        for (Madvise a : values()) {
            if (a.key.equals(key)) {
                return a;
            }
        }
        return null;
    }

    public static List<String> keys() {
        List<String> out = new ArrayList<>();
        for (Madvise a : values()) {
            out.add(a.key);
        }
        return out;
    }
}

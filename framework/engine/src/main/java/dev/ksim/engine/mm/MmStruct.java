package dev.ksim.engine.mm;

/**
 * A process's address space ({@code mm_struct}): its mappings, resident and swapped page counts
 * ({@code MM_ANONPAGES}, {@code MM_SWAPENTS}) and whether the OOM killer took it. The CPUs its
 * threads run on (the mm cpumask, which decides whom an unmap's TLB shootdown interrupts) are
 * kept by the TLBs ({@link dev.ksim.engine.mm.tlb.Tlbs}, mm id = pid).
 */
public final class MmStruct {
    final int pid;
    final String name;
    VmArea[] vmas = new VmArea[0];
    long rss;
    long swapents;
    boolean oomKilled;
    /** Killed with SIGBUS after touching a hwpoisoned page ({@link MemoryFailure}). */
    boolean sigbusKilled;
    /** Killed with SIGSEGV after touching a range munmap removed ({@link Unmap}). */
    boolean sigsegvKilled;
    /** Exited (exit(2)): its memory is gone, like a killed process's. */
    boolean exited;
    /** sigsegvKilled || exited, kept in one field so {@link #killed} (read per reference) stays two loads and a third. */
    boolean ended;

    MmStruct(int pid, String name) {
        this.pid = pid;
        this.name = name;
    }

    public int pid() {
        return pid;
    }

    public String name() {
        return name;
    }

    public VmArea vma(int index) {
        return vmas[index];
    }

    public int vmaCount() {
        return vmas.length;
    }

    public long rss() {
        return rss;
    }

    public long swapents() {
        return swapents;
    }

    /** Whether the OOM killer killed this process; its threads stop. */
    public boolean oomKilled() {
        return oomKilled;
    }

    /** Whether the process died of SIGBUS on a poisoned page; its threads stop. */
    public boolean sigbusKilled() {
        return sigbusKilled;
    }

    /** Whether the process died of SIGSEGV touching an unmapped range. */
    public boolean sigsegvKilled() {
        return sigsegvKilled;
    }

    /** Whether the process was killed (OOM, SIGBUS or SIGSEGV) or exited: its threads stop and its memory is gone. */
    public boolean killed() {
        return oomKilled || sigbusKilled || ended;
    }
}

package dev.ksim.spi.security;

/**
 * A hardening feature hooked into the life cycle of user pages. Each hook returns the extra
 * simulated time, in nanoseconds, the feature costs the task at that point (for XPFO: unmapping
 * the page from the kernel's physmap and flushing TLBs). The default hooks cost nothing.
 */
public interface SecurityHardening {

    /** A frame on {@code node} was allocated to user space. */
    default long onUserPageAllocated(int node, long pfn) {
        return 0;
    }

    /** A user frame on {@code node} was freed back to the kernel. */
    default long onUserPageFreed(int node, long pfn) {
        return 0;
    }
}

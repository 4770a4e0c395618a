package dev.ksim.engine.testing;

import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.engine.run.PluginInstantiator;
import dev.ksim.engine.run.RunServices;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryProvider;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.util.Map;

/**
 * A hand-made {@link PluginInstantiator} with tiny test plugins (the real ones live in another
 * module). Ids:
 * <ul>
 * <li>memory providers: {@code ram} (frames = size / 4 KiB, option {@code latency}, default 100 ns,
 *     option {@code cpuAccessible}, default true),
 *     {@code crash};</li>
 * <li>policies: {@code first-touch}, {@code interleave}, {@code fixed} (option {@code node}),
 *     {@code crash}, {@code bad-node} (returns 99);</li>
 * <li>hardening: {@code none}, {@code costly} (option {@code ns}), {@code crash};</li>
 * <li>workloads: {@code sequential} (cyclic from thread * pages / threads), {@code uniform}
 *     (random stream), {@code trace} (option {@code pages}: a long[] replayed cyclically),
 *     {@code crash} (throws on call {@code after}+1).</li>
 * </ul>
 */
public final class TestPlugins implements PluginInstantiator {

    @Override
    public <T> T instantiate(PluginRef ref, Class<T> contract, RunServices services, String componentId,
                             Map<Class<?>, Object> extras) {
        Object o = create(ref, services, componentId, extras);
        if (o == null) {
            throw new PluginCrashException(ref.kind(), ref.id(), "unknown test plugin", null);
        }
        return contract.cast(o);
    }

    private static long opt(PluginRef ref, String name, long def) {
        Object v = ref.options().get(name);
        return v == null ? def : ((Number) v).longValue();
    }

    private Object create(PluginRef ref, RunServices services, String componentId, Map<Class<?>, Object> extras) {
        switch (ref.kind()) {
            case MEMORY_PROVIDER:
                if (ref.id().equals("ram")) {
                    long latency = opt(ref, "latency", 100);
                    boolean cpuAccessible = !Boolean.FALSE.equals(ref.options().get("cpuAccessible"));
                    return (MemoryProvider) req -> new NodeMemory(Math.max(1, req.sizeBytes() / 4096), latency, 576, cpuAccessible);
                }
                if (ref.id().equals("crash")) {
                    return (MemoryProvider) req -> {
                        throw new IllegalStateException("no such device");
                    };
                }
                return null;
            case MIGRATION_POLICY:
                switch (ref.id()) {
                    case "first-touch":
                        return (MigrationPolicy) (f, m) -> f.cpuNode();
                    case "interleave":
                        return new MigrationPolicy() {
                            private int next;

                            @Override
                            public int placeFault(FaultContext fault, MemoryView memory) {
                                int n = next;
                                next = (next + 1) % memory.nodeCount();
                                return n;
                            }
                        };
                    case "fixed":
                        int node = (int) opt(ref, "node", 0);
                        return (MigrationPolicy) (f, m) -> node;
                    case "crash":
                        return (MigrationPolicy) (f, m) -> {
                            throw new ArithmeticException("policy bug");
                        };
                    case "bad-node":
                        return (MigrationPolicy) (f, m) -> 99;
                    default:
                        return null;
                }
            case SECURITY_HARDENING:
                switch (ref.id()) {
                    case "none":
                        return new SecurityHardening() {
                        };
                    case "costly":
                        long ns = opt(ref, "ns", 500);
                        return new SecurityHardening() {
                            @Override
                            public long onUserPageAllocated(int node, long pfn) {
                                return ns;
                            }

                            @Override
                            public long onUserPageFreed(int node, long pfn) {
                                return ns;
                            }
                        };
                    case "crash":
                        return new SecurityHardening() {
                            @Override
                            public long onUserPageAllocated(int node, long pfn) {
                                throw new IllegalStateException("xpfo bug");
                            }
                        };
                    default:
                        return null;
                }
            case WORKLOAD_GENERATOR:
                AccessRange range = (AccessRange) extras.get(AccessRange.class);
                switch (ref.id()) {
                    case "sequential":
                        return new WorkloadGenerator() {
                            private long next = range.thread() * range.pages() / range.threads();

                            @Override
                            public long nextPage() {
                                long p = next;
                                next = (next + 1) % range.pages();
                                return p;
                            }
                        };
                    case "uniform":
                        RandomStream rnd = services.stream(componentId);
                        return (WorkloadGenerator) () -> rnd.nextLong(range.pages());
                    case "trace":
                        long[] pages = (long[]) ref.options().get("pages");
                        return new WorkloadGenerator() {
                            private int i;

                            @Override
                            public long nextPage() {
                                long p = pages[i];
                                i = (i + 1) % pages.length;
                                return p;
                            }
                        };
                    case "crash":
                        long after = opt(ref, "after", 0);
                        return new WorkloadGenerator() {
                            private long calls;

                            @Override
                            public long nextPage() {
                                if (calls++ >= after) {
                                    throw new IllegalStateException("generator exhausted");
                                }
                                return 0;
                            }
                        };
                    default:
                        return null;
                }
            default:
                return null;
        }
    }
}

package dev.ksim.plugin.baseline;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import dev.ksim.spi.workload.PageTraces;
import org.osgi.service.component.annotations.Component;

/** Providers of the built-in workload generators. */
public final class WorkloadProviders {
    private WorkloadProviders() {
    }

    /** {@code sequential}: a strided scan. */
    @Component(service = PluginProvider.class)
    public static final class SequentialProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("sequential", PluginKind.WORKLOAD_GENERATOR)
                .version("1.1.0")
                .summary("Scan the mapping in order with a stride, wrapping around; thread i starts at i/n of the range")
                .option(Workloads.STRIDE, OptionType.INTEGER, 1L, "pages to advance per access (may be negative)")
                .option(WriteMix.WRITE_RATIO, OptionType.NUMBER, 0.0, WriteMix.DOC)
                .build();

        public SequentialProvider() {
            super(DESCRIPTOR, Workloads.Sequential.class);
        }
    }

    /** {@code uniform}: uniform random pages. */
    @Component(service = PluginProvider.class)
    public static final class UniformProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("uniform", PluginKind.WORKLOAD_GENERATOR)
                .version("1.1.0")
                .summary("Uniformly random pages of the mapping")
                .option(WriteMix.WRITE_RATIO, OptionType.NUMBER, 0.0, WriteMix.DOC)
                .build();

        public UniformProvider() {
            super(DESCRIPTOR, Workloads.Uniform.class);
        }
    }

    /** {@code trace}: replay of a trace file (valgrind lackey, libCacheSim oracleGeneral, ids). */
    @Component(service = PluginProvider.class)
    public static final class TraceReplayProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("trace", PluginKind.WORKLOAD_GENERATOR)
                .version("1.1.0")
                .summary("Replay a trace file: valgrind lackey logs, libCacheSim oracleGeneral (binary, csv) or one id"
                        + " per line, optionally .gz/.zst; the k-th distinct page of the trace is page k of the mapping;"
                        + " lackey stores (S, M) are stores")
                .option(TraceReplay.FILE, OptionType.STRING, "",
                        "the trace file; a relative path is resolved against the scenario file's directory")
                .choice(TraceReplay.FORMAT, "auto", PageTraces.FORMATS,
                        "trace format; auto detects it from the (decompressed) content")
                .option(TraceReplay.INSTRUCTIONS, OptionType.BOOLEAN, false,
                        "lackey only: also replay instruction fetches (I records)")
                .option(TraceReplay.LOOP, OptionType.BOOLEAN, false,
                        "start over when the trace ends (otherwise the thread stops)")
                .build();

        public TraceReplayProvider() {
            super(DESCRIPTOR, TraceReplay.class);
        }
    }

    /** {@code zipf}: Zipf-distributed pages. */
    /** {@code hot-cold}: a hot set that takes most references and moves between phases. */
    @Component(service = PluginProvider.class)
    public static final class HotColdProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("hot-cold", PluginKind.WORKLOAD_GENERATOR)
                .version("1.1.0")
                .summary("A hot set taking most references, the rest uniform over cold pages; the hot set moves every phase")
                .option(HotCold.HOT_FRACTION, OptionType.NUMBER, 0.2, "share of the mapping's pages that are hot, in (0, 1]")
                .option(HotCold.HOT_SHARE, OptionType.NUMBER, 0.8, "share of references that go to the hot set, in [0, 1]")
                .option(HotCold.PHASE, OptionType.INTEGER, 0L,
                        "references per phase; at each phase change the hot set moves to the next region (0 = never)")
                .option(WriteMix.WRITE_RATIO, OptionType.NUMBER, 0.0, WriteMix.DOC)
                .build();

        public HotColdProvider() {
            super(DESCRIPTOR, HotCold.class);
        }
    }

    @Component(service = PluginProvider.class)
    public static final class ZipfProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("zipf", PluginKind.WORKLOAD_GENERATOR)
                .version("1.1.0")
                .summary("Zipf-distributed pages: rank k is touched with probability proportional to 1/k^theta")
                .option(Workloads.THETA, OptionType.NUMBER, 0.99, "skew exponent (> 0); 0.99 is YCSB's default")
                .option(Workloads.SCRAMBLE, OptionType.BOOLEAN, false,
                        "spread hot ranks over the mapping instead of packing them at its start")
                .option(WriteMix.WRITE_RATIO, OptionType.NUMBER, 0.0, WriteMix.DOC)
                .build();

        public ZipfProvider() {
            super(DESCRIPTOR, Workloads.Zipf.class);
        }
    }
}

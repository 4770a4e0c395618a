package dev.ksim.runtime.registry;

import dev.ksim.engine.model.PluginCatalog;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins of a registry at one moment, immutable: a run takes one at its start and binds its
 * plugins from it, so plugins hot-deployed afterwards take effect on the next snapshot.
 *
 * <p>At most one plugin per (kind, id): when two providers declare the same pair, the one from the
 * highest bundle version is kept (ties: the first in (bundle, bundle version) order) and a warning
 * is logged.
 */
public final class PluginSnapshot implements PluginCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(PluginSnapshot.class);

    /** Orders provenance (and so plugins) by kind key, then id. */
    public static final Comparator<Provenance> BY_KIND_AND_ID =
            Comparator.comparing(Provenance::kind).thenComparing(Provenance::id);

    private static final PluginSnapshot EMPTY = new PluginSnapshot(Map.of());

    /** key "kind-key/id" → plugin, sorted by kind key then id. */
    private final Map<String, BoundPlugin> plugins;

    private PluginSnapshot(Map<String, BoundPlugin> plugins) {
        this.plugins = plugins;
    }

    public static PluginSnapshot empty() {
        return EMPTY;
    }

    /**
     * A snapshot of these candidates; duplicates of (kind, id) are resolved by highest bundle
     * version, with a warning.
     */
    public static PluginSnapshot of(Collection<BoundPlugin> candidates) {
        List<BoundPlugin> ordered = new ArrayList<>(candidates);
        ordered.sort(Comparator.comparing((BoundPlugin p) -> p.provenance().bundle())
                .thenComparing((a, b) -> compareVersions(a.provenance().bundleVersion(), b.provenance().bundleVersion())));
        Map<String, BoundPlugin> chosen = new TreeMap<>();
        for (BoundPlugin p : ordered) {
            String key = key(p.descriptor().kind(), p.descriptor().id());
            BoundPlugin old = chosen.get(key);
            if (old == null) {
                chosen.put(key, p);
                continue;
            }
            BoundPlugin keep = compareVersions(p.provenance().bundleVersion(), old.provenance().bundleVersion()) > 0 ? p : old;
            chosen.put(key, keep);
            LOG.warn("{} '{}' is provided by both {} and {}; using the one from {}",
                    p.descriptor().kind().label(), p.descriptor().id(), origin(old), origin(p), origin(keep));
        }
        return new PluginSnapshot(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chosen)));
    }

    private static String origin(BoundPlugin p) {
        Provenance v = p.provenance();
        return v.bundle() + (v.bundleVersion() != null ? " " + v.bundleVersion() : "");
    }

    private static String key(PluginKind kind, String id) {
        return kind.key() + "/" + id;
    }

    @Override
    public Optional<PluginDescriptor> find(PluginKind kind, String id) {
        return bound(kind, id).map(BoundPlugin::descriptor);
    }

    @Override
    public List<PluginDescriptor> all(PluginKind kind) {
        return plugins.values().stream()
                .map(BoundPlugin::descriptor)
                .filter(d -> d.kind() == kind)
                .sorted(Comparator.comparing(PluginDescriptor::id))
                .toList();
    }

    /** The plugin of this kind and id (descriptor, class, provenance), if the snapshot has it. */
    public Optional<BoundPlugin> bound(PluginKind kind, String id) {
        return Optional.ofNullable(plugins.get(key(kind, id)));
    }

    /** Every plugin, sorted by kind key then id. */
    public List<BoundPlugin> plugins() {
        return List.copyOf(plugins.values());
    }

    /** Provenance of every plugin, sorted by kind key then id. */
    public List<Provenance> provenance() {
        return plugins.values().stream().map(BoundPlugin::provenance).toList();
    }

    /**
     * Provenance of just the plugins these refs choose (e.g. those of one scenario variant), sorted
     * by kind key then id, without duplicates; refs this snapshot lacks are skipped.
     */
    public List<Provenance> provenance(Collection<PluginRef> refs) {
        TreeSet<String> keys = new TreeSet<>();
        for (PluginRef r : refs) {
            keys.add(key(r.kind(), r.id()));
        }
        List<Provenance> out = new ArrayList<>();
        for (String k : keys) {
            BoundPlugin p = plugins.get(k);
            if (p != null) {
                out.add(p.provenance());
            }
        }
        return out;
    }

    public boolean isEmpty() {
        return plugins.isEmpty();
    }

    public int size() {
        return plugins.size();
    }

    @Override
    public String toString() {
        return "PluginSnapshot" + plugins.keySet();
    }

    /**
     * Compares versions leniently ({@code 1.10.0} > {@code 1.9}; {@code 0.1.0-SNAPSHOT} and
     * {@code 0.1.0.SNAPSHOT} alike): numeric segments numerically, then the qualifier as text;
     * null sorts lowest.
     */
    static int compareVersions(String a, String b) {
        if (Objects.equals(a, b)) {
            return 0;
        }
        if (a == null) {
            return -1;
        }
        if (b == null) {
            return 1;
        }
        String[] x = a.split("[.\\-_]");
        String[] y = b.split("[.\\-_]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "";
            String q = i < y.length ? y[i] : "";
            boolean pn = p.matches("\\d+");
            boolean qn = q.matches("\\d+");
            int c;
            if (pn && qn) {
                c = new java.math.BigInteger(p).compareTo(new java.math.BigInteger(q));
            } else if (pn && q.isEmpty()) {
                c = Long.signum(Long.parseLong(p)) == 0 ? 0 : 1;
            } else if (qn && p.isEmpty()) {
                c = Long.signum(Long.parseLong(q)) == 0 ? 0 : -1;
            } else if (pn != qn) {
                c = pn ? 1 : -1;
            } else {
                c = p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}

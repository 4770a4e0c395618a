package dev.ksim.runtime.osgi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Namespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is installed in the host and why something is not running: every bundle from system/ and
 * deploy/ with its symbolic name, version, state and source file, and for a bundle that is not
 * ACTIVE a reason in plain words, translated from the framework's resolution message (or worked
 * out from the bundle's requirements and the capabilities of the resolved bundles):
 * "bundle foo 1.0.0 needs package com.acme.x version [2.0.0,3.0.0), which no bundle in this runtime
 * exports". Jars in deploy/ that cannot be installed at all are listed too ("deploy/x.jar: not a
 * valid jar (…)"). Each problem is logged once (WARN) when the host first notices it.
 */
public final class BundleDiagnostics {
    private static final Logger LOG = LoggerFactory.getLogger(BundleDiagnostics.class);

    /** State shown for a deploy/ jar that is not (yet) installed. */
    public static final String NOT_INSTALLED = "NOT_INSTALLED";

    /**
     * One bundle, or one deploy/ jar that is not installed.
     *
     * @param bundleId     framework bundle id, -1 for a jar that is not installed
     * @param symbolicName Bundle-SymbolicName, null if unknown
     * @param version      bundle version, null if unknown
     * @param state        INSTALLED, RESOLVED, STARTING, ACTIVE, STOPPING or {@link #NOT_INSTALLED}
     * @param source       "system/x.jar", "deploy/x.jar", or the bundle location
     * @param reason       why it is not ACTIVE, null when it is (or is a resolved fragment)
     * @param problem      true when the reason is a fault to report, false for a passing state
     *                     (e.g. installed a moment ago, not started yet)
     */
    public record BundleStatus(long bundleId, String symbolicName, String version, String state, String source,
                               String reason, boolean problem) {

        /** One line for a listing: {@code deploy/x.jar  foo 1.0.0  ACTIVE}, plus the reason if any. */
        public String describe() {
            String name = symbolicName == null ? "-" : symbolicName + " " + version;
            return source + "  " + name + "  " + state + (reason == null ? "" : "  " + reason);
        }
    }

    private final FelixHost host;
    private final Set<String> logged = new HashSet<>();

    BundleDiagnostics(FelixHost host) {
        this.host = host;
    }

    /** Every bundle (except the framework itself) and every deploy/ jar not installed, sorted by source. */
    public List<BundleStatus> bundles() {
        List<BundleStatus> out = new ArrayList<>();
        BundleContext ctx = host.bundleContext();
        Set<Path> installedFiles = new HashSet<>();
        Bundle[] all = ctx == null ? new Bundle[0] : ctx.getBundles();
        for (Bundle b : all) {
            if (b.getBundleId() == 0 || b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            host.sourceFile(b).ifPresent(installedFiles::add);
            out.add(status(b));
        }
        for (Path jar : host.deployJars()) {
            if (installedFiles.contains(jar)) {
                continue;
            }
            String label = host.sourceLabel(jar, null);
            String why = FelixHost.notInstallable(jar);
            String failed = host.installErrors.get(jar);
            if (why != null) {
                out.add(new BundleStatus(-1, null, null, NOT_INSTALLED, label, label + ": " + why, true));
            } else if (failed != null) {
                out.add(new BundleStatus(-1, FelixHost.symbolicName(jar), null, NOT_INSTALLED, label,
                        label + ": could not be installed: " + failed, true));
            } else {
                out.add(new BundleStatus(-1, FelixHost.symbolicName(jar), null, NOT_INSTALLED, label,
                        label + ": not installed yet", false));
            }
        }
        for (Map.Entry<Path, String> e : host.installErrors.entrySet()) {
            if (host.systemDir().equals(e.getKey().getParent())) {
                String label = host.sourceLabel(e.getKey(), null);
                out.add(new BundleStatus(-1, FelixHost.symbolicName(e.getKey()), null, NOT_INSTALLED, label,
                        label + ": could not be installed: " + e.getValue(), true));
            }
        }
        out.sort(Comparator.comparing(BundleStatus::source).thenComparingLong(BundleStatus::bundleId));
        return out;
    }

    /** One line per problem found (bundles that cannot resolve or start, jars that cannot install). */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        for (BundleStatus s : bundles()) {
            if (s.problem()) {
                out.add(line(s));
            }
        }
        return out;
    }

    private static String line(BundleStatus s) {
        return s.reason().startsWith(s.source()) ? s.reason() : s.reason() + " (" + s.source() + ")";
    }

    /** Logs (WARN) each problem not logged before; a problem that goes away may be logged again later. */
    synchronized void logNewProblems() {
        Set<String> now = new LinkedHashSet<>(problems());
        for (String p : now) {
            if (!logged.contains(p)) {
                LOG.warn(p);
            }
        }
        logged.retainAll(now);
        logged.addAll(now);
    }

    /** The status of one installed bundle. */
    public BundleStatus status(Bundle b) {
        String bsn = b.getSymbolicName();
        String version = b.getVersion().toString();
        String source = host.sourceLabel(host.sourceFile(b).orElse(null), b.getLocation());
        String state = stateName(b.getState());
        boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
        String reason = null;
        boolean problem = false;
        String error = host.startErrors.get(b.getBundleId());
        switch (b.getState()) {
            case Bundle.ACTIVE -> {
            }
            case Bundle.INSTALLED -> {
                String r = error != null ? fromFelixMessage(error) : null;
                if (r == null) {
                    r = unsatisfied(b);
                }
                if (r != null) {
                    reason = r;
                    problem = true;
                } else if (error != null) {
                    reason = name(b) + " failed to start: " + error;
                    problem = true;
                } else {
                    reason = name(b) + " is installed but not resolved yet";
                }
            }
            case Bundle.RESOLVED -> {
                if (!fragment) {
                    if (error != null) {
                        String r = fromFelixMessage(error);
                        reason = r != null ? r : name(b) + " failed to start: " + error;
                        problem = true;
                    } else {
                        reason = name(b) + " is resolved but not started";
                    }
                }
            }
            case Bundle.STARTING -> reason = name(b) + " is starting (or waits for lazy activation)";
            case Bundle.STOPPING -> reason = name(b) + " is stopping";
            default -> {
            }
        }
        return new BundleStatus(b.getBundleId(), bsn, version, state, source, reason, problem);
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "UNKNOWN(" + state + ")";
        };
    }

    private static String name(Bundle b) {
        return "bundle " + b.getSymbolicName() + " " + b.getVersion();
    }

    // ------------------------------------------------------------------ Felix's message

    private static final Pattern MISSING = Pattern.compile("missing requirement \\[");
    private static final Pattern BUNDLE_ID = Pattern.compile("\\[(\\d+)\\]");

    /** One "missing requirement" of a Felix resolution message. */
    record Missing(long bundleId, String label, String namespace, String filter) {
    }

    /**
     * Parses the chain of "missing requirement [bundle] namespace; (filter)" of a Felix
     * "Unable to resolve" message, outermost first; empty if it has none.
     */
    static List<Missing> parseMissing(String message) {
        List<Missing> out = new ArrayList<>();
        if (message == null) {
            return out;
        }
        Matcher m = MISSING.matcher(message);
        int from = 0;
        while (m.find(from)) {
            int labelStart = m.end();
            int labelEnd = closing(message, labelStart - 1, '[', ']');
            if (labelEnd < 0) {
                break;
            }
            String label = message.substring(labelStart, labelEnd);
            int nsStart = labelEnd + 1;
            while (nsStart < message.length() && message.charAt(nsStart) == ' ') {
                nsStart++;
            }
            int semi = message.indexOf(';', nsStart);
            if (semi < 0) {
                break;
            }
            String ns = message.substring(nsStart, semi).trim();
            int open = message.indexOf('(', semi);
            if (open < 0) {
                break;
            }
            int close = closing(message, open, '(', ')');
            if (close < 0) {
                break;
            }
            Matcher id = BUNDLE_ID.matcher(label);
            long bundleId = id.find() ? Long.parseLong(id.group(1)) : -1;
            out.add(new Missing(bundleId, label, ns, message.substring(open, close + 1)));
            from = close + 1;
        }
        return out;
    }

    private static int closing(String s, int open, char o, char c) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == o) {
                depth++;
            } else if (ch == c) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The reason in plain words for a Felix error message, or null if it is not a resolution failure. */
    String fromFelixMessage(String message) {
        List<Missing> chain = parseMissing(message);
        if (chain.isEmpty()) {
            if (message != null && message.contains("Uses constraint violation")) {
                return "cannot resolve because two bundles export the same package differently: "
                        + message.lines().findFirst().orElse(message);
            }
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            Missing mi = chain.get(i);
            boolean last = i == chain.size() - 1;
            if (i > 0) {
                sb.append(", which cannot resolve: ");
            }
            sb.append(bundleName(mi)).append(' ').append(need(mi.namespace(), mi.filter()));
            if (last) {
                sb.append(availability(mi.namespace(), mi.filter(), mi.bundleId()));
            }
        }
        return sb.toString();
    }

    private String bundleName(Missing mi) {
        Bundle b = mi.bundleId() >= 0 && host.bundleContext() != null ? host.bundleContext().getBundle(mi.bundleId()) : null;
        String label = mi.label();
        int sp = label.indexOf(' ');
        String bsn = sp > 0 ? label.substring(0, sp) : label;
        if (b != null && bsn.equals(b.getSymbolicName())) {
            return name(b);
        }
        return "bundle " + bsn;
    }

    // ------------------------------------------------------------------ own analysis

    /** The first mandatory requirement of {@code b} no resolved bundle satisfies, in words; null if none. */
    String unsatisfied(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        if (rev == null) {
            return null;
        }
        for (BundleRequirement req : rev.getDeclaredRequirements(null)) {
            Map<String, String> dirs = req.getDirectives();
            if (Namespace.RESOLUTION_OPTIONAL.equals(dirs.get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            String effective = dirs.get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
            if (effective != null && !Namespace.EFFECTIVE_RESOLVE.equals(effective)) {
                continue;
            }
            String filter = dirs.get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
            if (filter == null) {
                continue;
            }
            if (!providers(req.getNamespace(), filter, b.getBundleId(), true).isEmpty()) {
                continue;
            }
            List<BundleCapability> unresolved = providers(req.getNamespace(), filter, b.getBundleId(), false);
            String base = name(b) + " " + need(req.getNamespace(), filter);
            if (!unresolved.isEmpty()) {
                Bundle p = unresolved.get(0).getRevision().getBundle();
                String inner = p.getState() == Bundle.INSTALLED ? unsatisfiedOnce(p) : null;
                return base + ", which only " + name(p) + " provides, and it cannot resolve"
                        + (inner != null ? ": " + inner : "");
            }
            return base + availability(req.getNamespace(), filter, b.getBundleId());
        }
        return null;
    }

    private final ThreadLocal<Set<Long>> visiting = ThreadLocal.withInitial(HashSet::new);

    private String unsatisfiedOnce(Bundle b) {
        if (!visiting.get().add(b.getBundleId())) {
            return null;
        }
        try {
            return unsatisfied(b);
        } finally {
            visiting.get().remove(b.getBundleId());
        }
    }

    /** Capabilities in {@code namespace} matching {@code filter} of resolved (or unresolved) bundles other than {@code self}. */
    private List<BundleCapability> providers(String namespace, String filter, long self, boolean resolved) {
        List<BundleCapability> out = new ArrayList<>();
        Filter f;
        try {
            f = FrameworkUtil.createFilter(filter);
        } catch (InvalidSyntaxException e) {
            return out;
        }
        for (Bundle p : host.bundleContext().getBundles()) {
            if (p.getBundleId() == self || p.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            boolean isResolved = (p.getState() & (Bundle.RESOLVED | Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0;
            if (isResolved != resolved) {
                continue;
            }
            BundleRevision rev = p.adapt(BundleRevision.class);
            if (rev == null) {
                continue;
            }
            for (BundleCapability cap : rev.getDeclaredCapabilities(namespace)) {
                if (f.matches(cap.getAttributes())) {
                    out.add(cap);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ words

    /** "needs package com.acme.x version [2.0.0,3.0.0)" and the like. */
    static String need(String namespace, String filter) {
        switch (namespace) {
            case PackageNamespace.PACKAGE_NAMESPACE -> {
                return "needs package " + attr(filter, namespace) + range(filter, PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE);
            }
            case BundleNamespace.BUNDLE_NAMESPACE -> {
                return "needs bundle " + attr(filter, namespace)
                        + range(filter, BundleNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE) + " (Require-Bundle)";
            }
            case HostNamespace.HOST_NAMESPACE -> {
                return "is a fragment of " + attr(filter, namespace)
                        + range(filter, HostNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE);
            }
            case "osgi.ee" -> {
                return "needs execution environment " + filter;
            }
            default -> {
                return "needs " + namespace + " " + filter;
            }
        }
    }

    /** ", which no bundle in this runtime exports" or "; this runtime provides com.acme.x 1.4.0". */
    private String availability(String namespace, String filter, long self) {
        if (host.bundleContext() == null) {
            return "";
        }
        String name = attr(filter, namespace);
        if (name == null || !(namespace.equals(PackageNamespace.PACKAGE_NAMESPACE) || namespace.equals(BundleNamespace.BUNDLE_NAMESPACE)
                || namespace.equals(HostNamespace.HOST_NAMESPACE))) {
            return ", which no bundle in this runtime provides";
        }
        String versionAttr = namespace.equals(PackageNamespace.PACKAGE_NAMESPACE)
                ? PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE : BundleNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE;
        Map<String, String> versions = new TreeMap<>();
        String sameName = "(" + namespace + "=" + escape(name) + ")";
        for (BundleCapability cap : providers(namespace, sameName, self, true)) {
            Object v = cap.getAttributes().get(versionAttr);
            versions.put(String.valueOf(v), String.valueOf(v));
        }
        if (versions.isEmpty()) {
            return switch (namespace) {
                case PackageNamespace.PACKAGE_NAMESPACE -> ", which no bundle in this runtime exports";
                default -> ", which is not installed";
            };
        }
        return "; this runtime provides " + name + " " + String.join(", ", versions.values());
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

    /** The value of {@code (attr=value)} in a filter, or null. */
    static String attr(String filter, String attr) {
        Matcher m = Pattern.compile("\\(" + Pattern.quote(attr) + "=([^)]*)\\)").matcher(filter);
        return m.find() ? m.group(1) : null;
    }

    /** " version [2.0.0,3.0.0)", " version 1.2.0 or later", " version 1.2.0", or "" from a filter's constraints. */
    static String range(String filter, String attr) {
        String a = Pattern.quote(attr);
        String rest = filter;
        String lo = null;
        String hi = null;
        boolean loInc = true;
        boolean hiInc = true;
        Matcher m = Pattern.compile("\\(!\\(" + a + ">=([^)]*)\\)\\)").matcher(rest);
        if (m.find()) {
            hi = m.group(1);
            hiInc = false;
            rest = rest.replace(m.group(), "");
        }
        m = Pattern.compile("\\(!\\(" + a + "<=([^)]*)\\)\\)").matcher(rest);
        if (m.find()) {
            lo = m.group(1);
            loInc = false;
            rest = rest.replace(m.group(), "");
        }
        m = Pattern.compile("\\(" + a + ">=([^)]*)\\)").matcher(rest);
        if (m.find() && lo == null) {
            lo = m.group(1);
            loInc = true;
        }
        m = Pattern.compile("\\(" + a + "<=([^)]*)\\)").matcher(rest);
        if (m.find() && hi == null) {
            hi = m.group(1);
            hiInc = true;
        }
        m = Pattern.compile("\\(" + a + "=([^)]*)\\)").matcher(rest);
        if (lo == null && hi == null && m.find()) {
            return " version " + m.group(1);
        }
        if (lo != null && hi != null) {
            return " version " + (loInc ? "[" : "(") + lo + "," + hi + (hiInc ? "]" : ")");
        }
        if (lo != null) {
            return " version " + lo + (loInc ? " or later" : " or later, excluding " + lo);
        }
        if (hi != null) {
            return " version " + (hiInc ? "up to " : "below ") + hi;
        }
        return "";
    }
}

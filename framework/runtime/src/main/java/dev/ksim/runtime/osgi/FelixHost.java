package dev.ksim.runtime.osgi;

import dev.ksim.runtime.registry.Hashing;
import dev.ksim.spi.PluginProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.framework.Felix;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The embedded OSGi framework (Apache Felix) that hosts plugin bundles.
 *
 * <p>Boot bundles (OSGi function/promise, DS API, ConfigAdmin, SCR, FileInstall) and the built-in
 * plugin bundles come from {@code system/}: all are installed first, libraries first, then all are
 * started, so the order among plugins does not matter. FileInstall then watches {@code deploy/}:
 * dropping, replacing or deleting a jar there installs, updates or uninstalls its bundle.
 *
 * <p>The system bundle exports only the SPI packages (at the versions in the SPI jar's manifest),
 * the slf4j API and {@code jakarta.inject} ({@link SystemPackages}); Groovy, Guice and Logback
 * stay on the host. Framework state lives under {@code data/felix-cache-<pid>}: each process has its
 * own (so {@code ksim watch} and {@code ksim plugins} can run side by side), cleaned at start and
 * deleted at close; caches left by processes that no longer exist are removed at start.
 *
 * <p>Settings are read from the {@link Properties} given to {@link #start}; each constant below is
 * its key. Besides these, any property whose key starts with {@code felix.}, {@code org.osgi.} or
 * {@code ds.} is passed to the framework as is, overriding the defaults set here.
 */
public final class FelixHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FelixHost.class);

    /** Directory of boot and built-in plugin bundles; relative paths resolve against home. Default {@code system}. */
    public static final String SYSTEM_DIR = "ksim.system.dir";
    /** Hot-deploy directory watched by FileInstall; relative paths resolve against home. Default {@code deploy}. */
    public static final String DEPLOY_DIR = "ksim.deploy.dir";
    /** Directory of runtime state (the framework cache); relative paths resolve against home. Default {@code data}. */
    public static final String DATA_DIR = "ksim.data.dir";
    /** How often FileInstall scans the deploy directory, in milliseconds. Default 500. */
    public static final String DEPLOY_POLL = "ksim.deploy.poll";
    /**
     * How long deploy events are gathered before deploy listeners run and new diagnostics are
     * logged, in milliseconds. Default 250.
     */
    public static final String DEPLOY_DEBOUNCE = "ksim.deploy.debounce";
    /** FileInstall's log level: 1 error, 2 warning, 3 info, 4 debug (routed to slf4j logger "fileinstall"). Default 2. */
    public static final String DEPLOY_LOG_LEVEL = "ksim.deploy.loglevel";
    /** The Felix framework's log level, 1 error to 4 debug (slf4j logger "dev.ksim.runtime.osgi.felix"). Default 1. */
    public static final String FRAMEWORK_LOG_LEVEL = "ksim.osgi.loglevel";
    /** Declarative Services (SCR) log level: error, warn, info or debug. Default warn. */
    public static final String DS_LOG_LEVEL = "ksim.ds.loglevel";
    /** How long {@link #close()} waits for the framework to stop, in milliseconds. Default 10000. */
    public static final String STOP_TIMEOUT = "ksim.osgi.stop.timeout";

    static final String FILEINSTALL_BSN = "org.apache.felix.fileinstall";
    /** How long an ACTIVE Declarative Services bundle may take to register its services. */
    static final long COMPONENT_GRACE_MS = 2_000;
    /** Framework storage directories are {@code data/felix-cache-<pid>}. */
    static final String CACHE_PREFIX = "felix-cache-";

    private final Felix felix;
    private final Path systemDir;
    private final Path deployDir;
    private final Path dataDir;
    private final Path storageDir;
    private final long stopTimeoutMs;
    private final long debounceMs;
    private final long pollMs;
    private final BundleDiagnostics diagnostics;

    /** bundle id → message of its last failed start (from our boot, FileInstall or a framework error). */
    final Map<Long, String> startErrors = new ConcurrentHashMap<>();
    /** deploy file (absolute, normalized) → why FileInstall could not install it. */
    final Map<Path, String> installErrors = new ConcurrentHashMap<>();

    private final List<Runnable> deployListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService events;
    private ScheduledFuture<?> pendingCheck;
    private boolean pendingNotify;
    private final Object eventLock = new Object();
    private final java.util.logging.Logger fileInstallJul = java.util.logging.Logger.getLogger("fileinstall");
    private final FileInstallCapture fileInstallCapture = new FileInstallCapture();
    private final Map<Path, String> deployFingerprints = new ConcurrentHashMap<>();
    private final Map<String, String> hashCache = new ConcurrentHashMap<>();
    /** bundle id → when it was first seen ACTIVE without registered services (see awaitingComponents). */
    private final Map<Long, Long> activeSince = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private FelixHost(Path systemDir, Path deployDir, Path dataDir, Properties props) {
        this.systemDir = systemDir.toAbsolutePath().normalize();
        this.deployDir = deployDir.toAbsolutePath().normalize();
        this.dataDir = dataDir.toAbsolutePath().normalize();
        long pid = ProcessHandle.current().pid();
        this.storageDir = this.dataDir.resolve(CACHE_PREFIX + pid);
        this.stopTimeoutMs = longProp(props, STOP_TIMEOUT, 10_000);
        this.debounceMs = longProp(props, DEPLOY_DEBOUNCE, 250);
        long poll = longProp(props, DEPLOY_POLL, 500);
        this.pollMs = poll;
        try {
            Files.createDirectories(this.deployDir);
            Files.createDirectories(this.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        removeStaleCaches(this.dataDir);
        routeJulToSlf4j();

        Map<String, Object> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, storageDir.toString());
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        cfg.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SystemPackages.extra());
        cfg.put("felix.fileinstall.dir", this.deployDir.toString());
        cfg.put("felix.fileinstall.poll", Long.toString(poll));
        cfg.put("felix.fileinstall.noInitialDelay", "true");
        cfg.put("felix.fileinstall.bundles.new.start", "true");
        cfg.put("felix.fileinstall.log.default", "jul");
        cfg.put("felix.fileinstall.log.level", Long.toString(longProp(props, DEPLOY_LOG_LEVEL, 2)));
        cfg.put("felix.fileinstall.tmpdir", this.storageDir.resolve("fileinstall-tmp").toString());
        cfg.put("ds.loglevel", props.getProperty(DS_LOG_LEVEL, "warn"));
        cfg.put("felix.log.logger", new Slf4jFelixLogger());
        cfg.put("felix.log.level", Long.toString(longProp(props, FRAMEWORK_LOG_LEVEL, 1)));
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("felix.") || key.startsWith("org.osgi.") || key.startsWith("ds.")) {
                cfg.put(key, props.getProperty(key));
            }
        }
        this.felix = new Felix(cfg);
        this.diagnostics = new BundleDiagnostics(this);
        this.events = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ksim-deploy-events");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a host with {@code system/}, {@code deploy/} and {@code data/} under {@code home}
     * (each overridable by {@link #SYSTEM_DIR}, {@link #DEPLOY_DIR}, {@link #DATA_DIR}).
     */
    public static FelixHost start(Path home, Properties props) {
        return start(dir(home, props, SYSTEM_DIR, "system"), dir(home, props, DEPLOY_DIR, "deploy"),
                dir(home, props, DATA_DIR, "data"), props);
    }

    /** Starts a host over these directories; the deploy and data directories are created if missing. */
    public static FelixHost start(Path systemDir, Path deployDir, Path dataDir, Properties props) {
        FelixHost host = new FelixHost(systemDir, deployDir, dataDir, props);
        try {
            host.boot();
            return host;
        } catch (RuntimeException | Error e) {
            host.close();
            throw e;
        }
    }

    private static Path dir(Path home, Properties props, String key, String dflt) {
        return home.resolve(props.getProperty(key, dflt));
    }

    private static long longProp(Properties props, String key, long dflt) {
        String v = props.getProperty(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
        }
    }

    private static void routeJulToSlf4j() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    private void boot() {
        try {
            felix.init();
        } catch (BundleException e) {
            throw new IllegalStateException("cannot initialize the OSGi framework: " + e.getMessage(), e);
        }
        BundleContext ctx = felix.getBundleContext();
        fileInstallJul.setFilter(fileInstallCapture);
        ctx.addFrameworkListener(frameworkListener);
        ctx.addBundleListener(bundleListener);
        try {
            ctx.addServiceListener(serviceListener, "(" + Constants.OBJECTCLASS + "=" + PluginProvider.class.getName() + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            felix.start();
        } catch (BundleException e) {
            throw new IllegalStateException("cannot start the OSGi framework: " + e.getMessage(), e);
        }
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : bootJars()) {
            try {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            } catch (BundleException | RuntimeException e) {
                installErrors.put(jar, e.getMessage());
                LOG.warn("system/{}: could not be installed: {}", jar.getFileName(), e.getMessage());
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                b.start();
            } catch (BundleException | RuntimeException e) {
                startErrors.put(b.getBundleId(), e.getMessage());
            }
        }
        diagnostics.logNewProblems();
        events.scheduleWithFixedDelay(this::scanDeployDir, 0, Math.max(100, pollMs), TimeUnit.MILLISECONDS);
    }

    /** The jars of system/, libraries first (org.osgi.*, then Felix), plugins next, FileInstall last. */
    private List<Path> bootJars() {
        if (!Files.isDirectory(systemDir)) {
            LOG.warn("system directory {} does not exist: no boot bundles, no plugins", systemDir);
            return List.of();
        }
        List<Path> jars = new ArrayList<>();
        Map<Path, String> bsn = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(systemDir, "*.jar")) {
            for (Path p : ds) {
                jars.add(p.toAbsolutePath().normalize());
                bsn.put(jars.get(jars.size() - 1), symbolicName(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + systemDir, e);
        }
        jars.sort(Comparator.comparingInt((Path p) -> bootRank(bsn.get(p))).thenComparing(p -> p.getFileName().toString()));
        return jars;
    }

    private static int bootRank(String bsn) {
        if (bsn == null) {
            return 2;
        }
        if (bsn.equals(FILEINSTALL_BSN)) {
            return 3;
        }
        if (bsn.startsWith("org.osgi.") || bsn.startsWith("osgi.")) {
            return 0;
        }
        if (bsn.startsWith("org.apache.felix.")) {
            return 1;
        }
        return 2;
    }

    /** The Bundle-SymbolicName of a jar, without parameters; null if none or unreadable. */
    static String symbolicName(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            String v = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return v == null ? null : v.split(";")[0].trim();
        } catch (IOException e) {
            return null;
        }
    }

    public BundleContext bundleContext() {
        return felix.getBundleContext();
    }

    public Framework framework() {
        return felix;
    }

    public Path systemDir() {
        return systemDir;
    }

    public Path deployDir() {
        return deployDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    public BundleDiagnostics diagnostics() {
        return diagnostics;
    }

    // ---------------------------------------------------------------- locations and files

    /** The file a bundle was installed from (its location, for file: locations), or empty. */
    public Optional<Path> sourceFile(Bundle b) {
        return Optional.ofNullable(locationPath(b.getLocation()));
    }

    static Path locationPath(String location) {
        if (location == null) {
            return null;
        }
        String loc = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!loc.startsWith("file:")) {
            return null;
        }
        try {
            return Path.of(URI.create(loc)).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            return null;
        }
    }

    boolean isDeployBundle(Bundle b) {
        Path p = locationPath(b.getLocation());
        return p != null && deployDir.equals(p.getParent());
    }

    /** "system/x.jar", "deploy/x.jar", or the location for a bundle from elsewhere. */
    String sourceLabel(Path p, String location) {
        if (p != null) {
            if (deployDir.equals(p.getParent())) {
                return "deploy/" + p.getFileName();
            }
            if (systemDir.equals(p.getParent())) {
                return "system/" + p.getFileName();
            }
            return p.toString();
        }
        return location;
    }

    /**
     * The jar holding the bundle's installed content: the framework's cached copy of its current
     * revision when it can be found, else the file it was installed from. Empty if neither exists.
     */
    public Optional<Path> installedJar(Bundle b) {
        Path dir = storageDir.resolve("bundle" + b.getBundleId());
        Path best = null;
        long bestRank = -1;
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "version*")) {
                for (Path v : ds) {
                    Matcher m = Pattern.compile("version(\\d+)\\.(\\d+)").matcher(v.getFileName().toString());
                    Path jar = v.resolve("bundle.jar");
                    if (m.matches() && Files.isRegularFile(jar)) {
                        long rank = Long.parseLong(m.group(1)) * 1_000_000L + Long.parseLong(m.group(2));
                        if (rank > bestRank) {
                            bestRank = rank;
                            best = jar;
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debug("cannot list {}: {}", dir, e.toString());
            }
        }
        if (best != null) {
            return Optional.of(best);
        }
        return sourceFile(b).filter(Files::isRegularFile);
    }

    /** SHA-256 (lower-case hex) of the bundle's installed jar, or null if it has none. */
    public String sha256(Bundle b) {
        return installedJar(b).map(this::sha256).orElse(null);
    }

    String sha256(Path file) {
        try {
            String key = file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
            return hashCache.computeIfAbsent(key, k -> Hashing.sha256(file));
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- deploy scan

    /** The *.jar files in deploy/, sorted by name. */
    List<Path> deployJars() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(deployDir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(deployDir, "*.jar")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    out.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", deployDir, e.toString());
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    /**
     * Why FileInstall cannot install this jar ("not a valid jar (…)", "no Bundle-SymbolicName: not
     * an OSGi bundle"), or null if it looks installable.
     */
    static String notInstallable(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            if (m == null || m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) == null) {
                return "no Bundle-SymbolicName: not an OSGi bundle";
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "not a valid jar (" + e.getMessage() + ")";
        }
    }

    /**
     * Waits until FileInstall has dealt with deploy/: every *.jar there is installed (at its
     * current content) and has left the STARTING state (started, or failed with a diagnosable
     * reason), or cannot be installed; and no bundle remains from a deleted jar. Returns false if
     * {@code timeout} passed first.
     */
    public boolean awaitDeployScan(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (deploySettled()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0 || closed) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private boolean deploySettled() {
        Map<Path, Bundle> byFile = new HashMap<>();
        for (Bundle b : bundleContext().getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED || !isDeployBundle(b)) {
                continue;
            }
            Path p = locationPath(b.getLocation());
            if (!Files.exists(p)) {
                return false; // FileInstall has yet to uninstall it
            }
            byFile.put(p, b);
        }
        for (Path jar : deployJars()) {
            if (notInstallable(jar) != null || installErrors.containsKey(jar)) {
                continue;
            }
            Bundle b = byFile.get(jar);
            if (b == null) {
                return false;
            }
            Path installed = installedJar(b).orElse(null);
            if (installed != null && !installed.equals(jar)) {
                String want = sha256(jar);
                if (want != null && !want.equals(sha256(installed))) {
                    return false; // changed on disk, not yet updated
                }
            }
            switch (b.getState()) {
                case Bundle.ACTIVE:
                    if (awaitingComponents(b)) {
                        return false;
                    }
                    break;
                case Bundle.STARTING:
                case Bundle.STOPPING:
                    return false;
                default:
                    if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null && b.getState() == Bundle.RESOLVED) {
                        break;
                    }
                    if (diagnostics.status(b).problem()) {
                        break;
                    }
                    return false;
            }
        }
        return true;
    }

    /**
     * A bundle turns ACTIVE just before SCR, listening to its STARTED event, registers its
     * components' services. A DS bundle that is ACTIVE but has registered nothing yet is given
     * {@link #COMPONENT_GRACE_MS} to do so (a bundle whose components never register, e.g.
     * unsatisfied ones, is not waited for longer).
     */
    private boolean awaitingComponents(Bundle b) {
        if (b.getHeaders().get("Service-Component") == null) {
            return false;
        }
        ServiceReference<?>[] registered = b.getRegisteredServices();
        if (registered != null && registered.length > 0) {
            activeSince.remove(b.getBundleId());
            return false;
        }
        long first = activeSince.computeIfAbsent(b.getBundleId(), id -> System.nanoTime());
        return System.nanoTime() - first < TimeUnit.MILLISECONDS.toNanos(COMPONENT_GRACE_MS);
    }

    // ---------------------------------------------------------------- events

    /**
     * Calls {@code listener} (on the host's event thread, debounced by {@link #DEPLOY_DEBOUNCE})
     * when a bundle from deploy/ is installed, updated or uninstalled, or a plugin service appears
     * or disappears. Closing the returned handle removes it.
     */
    public AutoCloseable addDeployListener(Runnable listener) {
        deployListeners.add(listener);
        return () -> deployListeners.remove(listener);
    }

    public void removeDeployListener(Runnable listener) {
        deployListeners.remove(listener);
    }

    private void scheduleCheck(boolean notify) {
        if (closed) {
            return;
        }
        synchronized (eventLock) {
            pendingNotify |= notify;
            if (pendingCheck != null) {
                pendingCheck.cancel(false);
            }
            try {
                pendingCheck = events.schedule(this::runCheck, debounceMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void runCheck() {
        boolean notify;
        synchronized (eventLock) {
            notify = pendingNotify;
            pendingNotify = false;
            pendingCheck = null;
        }
        try {
            diagnostics.logNewProblems();
        } catch (RuntimeException e) {
            LOG.warn("diagnostics failed: {}", e.toString(), e);
        }
        if (notify) {
            for (Runnable r : deployListeners) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("deploy listener failed: {}", e.toString(), e);
                }
            }
        }
    }

    /** Notices deploy jars FileInstall will never install (it sends no event for them). */
    private void scanDeployDir() {
        try {
            Map<Path, String> now = new HashMap<>();
            for (Path jar : deployJars()) {
                now.put(jar, Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis());
            }
            boolean changed = !now.equals(deployFingerprints);
            if (changed) {
                installErrors.keySet().removeIf(p -> !now.containsKey(p) || !now.get(p).equals(deployFingerprints.get(p)));
                deployFingerprints.clear();
                deployFingerprints.putAll(now);
                scheduleCheck(false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("deploy scan failed: {}", e.toString());
        }
    }

    private final BundleListener bundleListener = event -> {
        Bundle b = event.getBundle();
        boolean deploy = isDeployBundle(b);
        switch (event.getType()) {
            case BundleEvent.INSTALLED, BundleEvent.UPDATED, BundleEvent.UNINSTALLED -> {
                startErrors.remove(b.getBundleId());
                scheduleCheck(deploy);
            }
            case BundleEvent.STARTED -> {
                startErrors.remove(b.getBundleId());
                scheduleCheck(false);
            }
            case BundleEvent.RESOLVED, BundleEvent.UNRESOLVED, BundleEvent.STOPPED -> scheduleCheck(false);
            default -> {
            }
        }
    };

    private final ServiceListener serviceListener = event -> {
        if (event.getType() == ServiceEvent.REGISTERED || event.getType() == ServiceEvent.UNREGISTERING
                || event.getType() == ServiceEvent.MODIFIED) {
            scheduleCheck(true);
        }
    };

    private final FrameworkListener frameworkListener = event -> {
        if (event.getType() == FrameworkEvent.ERROR) {
            Throwable t = event.getThrowable();
            Bundle b = event.getBundle();
            if (b != null && b.getBundleId() != 0 && t != null) {
                startErrors.put(b.getBundleId(), String.valueOf(t.getMessage()));
            } else if (t != null) {
                LOG.warn("OSGi framework error: {}", t.getMessage());
            }
            scheduleCheck(false);
        }
    };

    private static final Pattern START_FAILED = Pattern.compile("Error while starting bundle: (\\S+)");
    private static final Pattern INSTALL_FAILED = Pattern.compile("Failed to (?:install|update) artifact:? (.+?)\\s*$");

    /**
     * Captures FileInstall's start and install failures from its java.util.logging output, and
     * drops the start failures the diagnostics translate (bundles that cannot resolve), so they
     * are reported once, in plain words, instead of as a stack trace.
     */
    private final class FileInstallCapture implements java.util.logging.Filter {
        @Override
        public boolean isLoggable(LogRecord record) {
            String msg = record.getMessage();
            Throwable t = record.getThrown();
            if (msg == null || closed) {
                return true;
            }
            Matcher m = START_FAILED.matcher(msg);
            if (m.find() && t != null) {
                for (Bundle b : bundleContext().getBundles()) {
                    if (m.group(1).equals(b.getLocation())) {
                        startErrors.put(b.getBundleId(), String.valueOf(t.getMessage()));
                    }
                }
                scheduleCheck(false);
                return diagnostics.fromFelixMessage(t.getMessage()) == null;
            }
            m = INSTALL_FAILED.matcher(msg);
            if (m.find()) {
                try {
                    Path p = Path.of(m.group(1)).toAbsolutePath().normalize();
                    installErrors.put(p, t != null ? String.valueOf(t.getMessage()) : msg);
                    scheduleCheck(false);
                } catch (RuntimeException e) {
                    // not a path
                }
            }
            return true;
        }
    }

    /** Stops the framework (waiting up to {@link #STOP_TIMEOUT}) and the host's event thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (fileInstallJul.getFilter() == fileInstallCapture) {
            fileInstallJul.setFilter(null);
        }
        events.shutdownNow();
        try {
            if ((felix.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) {
                felix.stop();
                FrameworkEvent e = felix.waitForStop(stopTimeoutMs);
                if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                    LOG.warn("OSGi framework did not stop within {} ms", stopTimeoutMs);
                }
            }
        } catch (BundleException e) {
            LOG.warn("stopping the OSGi framework: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(storageDir);
    }

    /** Removes felix-cache-PID directories of processes that are gone (killed, crashed). */
    private static void removeStaleCaches(Path dataDir) {
        try (java.util.stream.Stream<Path> dirs = Files.list(dataDir)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.startsWith(CACHE_PREFIX)) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(name.substring(CACHE_PREFIX.length()));
                    if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
                        deleteTree(d);
                    }
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            LOG.debug("listing {}", dataDir, e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debug("deleting {}", root, e);
        }
    }

}

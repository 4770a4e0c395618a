package dev.ksim.runtime.cli;

import com.google.inject.Injector;
import dev.ksim.runtime.inject.GuiceSupport;
import dev.ksim.runtime.osgi.BundleDiagnostics;
import dev.ksim.runtime.osgi.FelixHost;
import dev.ksim.runtime.registry.OsgiPluginRegistry;
import dev.ksim.runtime.registry.PluginRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugins from an installation: Felix started over {@code system/} and {@code deploy/}, after
 * FileInstall's first scan of deploy/ has settled (so a run sees what was deployed before it).
 */
final class OsgiEnvironment implements PluginEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(OsgiEnvironment.class);

    private final FelixHost host;
    private final OsgiPluginRegistry registry;
    private final Injector injector;
    private final List<AutoCloseable> listeners = new ArrayList<>();

    private final long scanTimeoutMs;

    private OsgiEnvironment(FelixHost host, long scanTimeoutMs) {
        this.host = host;
        this.scanTimeoutMs = scanTimeoutMs;
        this.registry = new OsgiPluginRegistry(host);
        this.injector = GuiceSupport.createHostInjector();
    }

    static OsgiEnvironment start(KsimHome home) {
        FelixHost host = FelixHost.start(home.home(), home.settings());
        try {
            OsgiEnvironment env = new OsgiEnvironment(host, home.longSetting(KsimHome.DEPLOY_SCAN_TIMEOUT, 10_000));
            env.awaitDeploySettled();
            return env;
        } catch (RuntimeException | Error e) {
            host.close();
            throw e;
        }
    }

    @Override
    public void awaitDeploySettled() {
        if (!host.awaitDeployScan(Duration.ofMillis(scanTimeoutMs))) {
            LOG.warn("deploy/ was still changing after {} ms; running with the plugins registered so far", scanTimeoutMs);
        }
    }

    @Override
    public PluginRegistry registry() {
        return registry;
    }

    @Override
    public Injector hostInjector() {
        return injector;
    }

    @Override
    public List<String> problems() {
        return host.diagnostics().problems();
    }

    @Override
    public List<BundleLine> bundles() {
        List<BundleLine> lines = new ArrayList<>();
        for (BundleDiagnostics.BundleStatus s : host.diagnostics().bundles()) {
            lines.add(new BundleLine(s.symbolicName() == null ? "-" : s.symbolicName(),
                    s.version() == null ? "-" : s.version(), s.state(), s.source()));
        }
        return lines;
    }

    @Override
    public void onDeployChange(Runnable listener) {
        listeners.add(host.addDeployListener(listener));
    }

    @Override
    public String describe() {
        return host.deployDir().toString();
    }

    @Override
    public void close() {
        for (AutoCloseable l : listeners) {
            try {
                l.close();
            } catch (Exception e) {
                LOG.debug("removing deploy listener", e);
            }
        }
        registry.close();
        host.close();
    }
}

package dev.ksim.runtime.cli;

import dev.ksim.runtime.osgi.FelixHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The installation ksim runs from: {@code ksim.home} (set by {@code bin/ksim}) and its
 * {@code etc/ksim.properties}. Without {@code ksim.home} (embedded use, tests) there is no
 * installation: plugins come from the classpath.
 *
 * <p>Every setting is a constant equal to its property key (these, and those of
 * {@link FelixHost}); {@code etc/ksim.properties} documents each one. Relative directories resolve against the home.
 */
public final class KsimHome {
    /** System property naming the installation directory. */
    public static final String HOME = "ksim.home";
    /** Default seed of {@code ksim run} when {@code --seed} is not given. */
    public static final String DEFAULT_SEED = "ksim.run.seed";
    /** Variants run at once; 0 = one per available processor. */
    public static final String JOBS = "ksim.run.jobs";
    /** Milliseconds to wait at start for FileInstall's first scan of the deploy dir. */
    public static final String DEPLOY_SCAN_TIMEOUT = "ksim.deploy.scan.timeout";

    private final Path home;
    private final Properties settings;

    private KsimHome(Path home, Properties settings) {
        this.home = home;
        this.settings = settings;
    }

    /** The installation named by the {@code ksim.home} system property, or none. */
    public static KsimHome detect() {
        String h = System.getProperty(HOME);
        if (h == null || h.isBlank()) {
            return new KsimHome(null, new Properties());
        }
        return at(Path.of(h).toAbsolutePath().normalize());
    }

    public static KsimHome at(Path home) {
        Properties p = new Properties();
        Path file = home.resolve("etc").resolve("ksim.properties");
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        // System properties override the file, so JAVA_OPTS=-Dksim.deploy.dir=... works.
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("ksim.") || key.startsWith("felix.")) {
                p.setProperty(key, System.getProperty(key));
            }
        }
        return new KsimHome(home, p);
    }

    /** Whether this is an installation with a {@code system/} directory of bundles. */
    public boolean isInstallation() {
        return home != null && Files.isDirectory(systemDir());
    }

    public Path home() {
        return home;
    }

    public Properties settings() {
        return settings;
    }

    public Path systemDir() {
        return dir(FelixHost.SYSTEM_DIR, "system");
    }

    public Path deployDir() {
        return dir(FelixHost.DEPLOY_DIR, "deploy");
    }

    public Path dataDir() {
        return dir(FelixHost.DATA_DIR, "data");
    }

    public long longSetting(String key, long defaultValue) {
        String v = settings.getProperty(key);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting " + key + " must be a whole number, got '" + v + "'");
        }
    }

    private Path dir(String key, String def) {
        Path p = Path.of(settings.getProperty(key, def));
        return p.isAbsolute() || home == null ? p : home.resolve(p);
    }
}

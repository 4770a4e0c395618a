package dev.ksim.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The ksim version, from the build (version.properties is filtered by Maven). */
public final class Version {
    private Version() {
    }

    public static String get() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/ksim/runtime/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}

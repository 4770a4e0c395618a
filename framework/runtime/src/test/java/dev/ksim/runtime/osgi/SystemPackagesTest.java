package dev.ksim.runtime.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The built-in SPI export list must say what the SPI jar's bnd-generated manifest says. */
class SystemPackagesTest {

    @Test
    void fallbackMatchesTheSpiManifest() {
        List<String> fromManifest = SystemPackages.spiExports();
        TreeMap<String, String> parsed = new TreeMap<>();
        for (String e : fromManifest) {
            String pkg = e.substring(0, e.indexOf(';'));
            String version = e.substring(e.indexOf("version=\"") + 9, e.lastIndexOf('"'));
            parsed.put(pkg, version);
        }
        assertEquals(new TreeMap<>(SystemPackages.FALLBACK_SPI_EXPORTS), parsed,
                "update SystemPackages.FALLBACK_SPI_EXPORTS to the versions in the SPI's package-info files");
    }
}

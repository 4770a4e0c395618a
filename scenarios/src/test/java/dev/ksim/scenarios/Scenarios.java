package dev.ksim.scenarios;

import dev.ksim.runtime.inject.GuiceSupport;
import dev.ksim.runtime.registry.ClasspathPluginRegistry;
import dev.ksim.runtime.run.RunRequest;
import dev.ksim.runtime.run.ScenarioReport;
import dev.ksim.runtime.run.ScenarioRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Test helpers: where the shipped scenarios are, and a runner over the classpath plugins. */
final class Scenarios {
    private Scenarios() {
    }

    static Path dir() {
        return Path.of(System.getProperty("ksim.scenarios.dir", ".")).toAbsolutePath().normalize();
    }

    static List<Path> shipped() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ksim.groovy")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScenarioRunner runner() {
        return new ScenarioRunner(new ClasspathPluginRegistry(), GuiceSupport.createHostInjector());
    }

    static ScenarioReport run(Path file, long seed) {
        return runner().run(file, new RunRequest(seed, Map.of(), 2, 0));
    }
}

package dev.ksim.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The packaged distribution under test: copies of {@code distribution/target/ksim}, processes
 * running its {@code bin/ksim}, and jar helpers for deploy tests. Waits are bounded by deadlines
 * and poll; nothing asserts on elapsed time.
 */
final class Dist {
    static final Path BUILT = Path.of(System.getProperty("ksim.it.dist", "target/ksim")).toAbsolutePath();
    static final Path EXAMPLE_PLUGIN = Path.of(System.getProperty("ksim.it.examplePlugin",
            "target/it-plugins/ksim-example-plugin.jar")).toAbsolutePath();
    static final Path WORK = Path.of(System.getProperty("ksim.it.work", "target/it-work")).toAbsolutePath();

    private Dist() {
    }

    /** A private copy of the installation (own deploy/, data/, logs/) under {@code dir}. */
    static Path install(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(BUILT)) {
            for (Path src : (Iterable<Path>) walk::iterator) {
                Path dst = dir.resolve(BUILT.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Path launcher = dir.resolve("bin/ksim");
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(launcher);
        perms.add(PosixFilePermission.OWNER_EXECUTE);
        Files.setPosixFilePermissions(launcher, perms);
        return dir;
    }

    /** A finished command. */
    record Result(int code, String output) {
    }

    /** Runs {@code home/bin/ksim args} in {@code cwd}, stdout and stderr merged, up to 120 s. */
    static Result ksim(Path home, Path cwd, String... args) throws IOException, InterruptedException {
        Running r = start(home, cwd, args);
        if (!r.process.waitFor(120, TimeUnit.SECONDS)) {
            r.process.destroyForcibly();
            throw new AssertionError("bin/ksim " + String.join(" ", args) + " did not finish:\n" + r.output());
        }
        r.reader.join(5_000);
        return new Result(r.process.exitValue(), r.output());
    }

    /** Starts {@code home/bin/ksim args} in the background, collecting its output lines. */
    static Running start(Path home, Path cwd, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/ksim").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().remove("JAVA_OPTS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        return new Running(p);
    }

    /** A background {@code bin/ksim} whose output lines are collected as they come. */
    static final class Running implements AutoCloseable {
        final Process process;
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;

        Running(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // process ended
                }
            }, "ksim-it-reader");
            reader.setDaemon(true);
            reader.start();
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        int lineCount() {
            synchronized (lines) {
                return lines.size();
            }
        }

        /** Waits until a line at index ≥ from matches; returns its index. */
        int awaitLine(int from, Predicate<String> match, long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            synchronized (lines) {
                int i = from;
                while (true) {
                    for (; i < lines.size(); i++) {
                        if (match.test(lines.get(i))) {
                            return i;
                        }
                    }
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0 || (!process.isAlive() && i >= lines.size())) {
                        throw new AssertionError("no matching line after line " + from + " within " + timeoutMs
                                + " ms; output:\n" + String.join("\n", lines));
                    }
                    lines.wait(Math.min(left, 200));
                }
            }
        }

        /** The lines from {@code from} to {@code to} (exclusive), joined. */
        String between(int from, int to) {
            synchronized (lines) {
                return String.join("\n", lines.subList(from, Math.min(to, lines.size())));
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Copies {@code jar} to {@code deploy/name} the way users are told to: copy elsewhere, then move in. */
    static void deploy(Path jar, Path deployDir, String name) throws IOException {
        Path staging = Files.createTempFile(WORK, "staging", ".jar");
        Files.copy(jar, staging, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staging, deployDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A copy of {@code jar} with its Bundle-Version replaced: a new version of the same plugin. */
    static Path withBundleVersion(Path jar, String version, Path out) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest m = new Manifest(in.getManifest());
            m.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
            try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(out), m)) {
                JarEntry e;
                while ((e = in.getNextJarEntry()) != null) {
                    o.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(o);
                    o.closeEntry();
                }
            }
        }
        return out;
    }

    /** A bundle that imports a package at a version nobody exports. */
    static Path unresolvableBundle(Path out) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(new Attributes.Name("Bundle-ManifestVersion"), "2");
        a.put(new Attributes.Name("Bundle-SymbolicName"), "test.needs.newer.spi");
        a.put(new Attributes.Name("Bundle-Version"), "1.0.0");
        a.put(new Attributes.Name("Import-Package"), "dev.ksim.spi;version=\"[1.0,2)\"");
        try (OutputStream os = Files.newOutputStream(out); JarOutputStream o = new JarOutputStream(os, m)) {
            o.putNextEntry(new JarEntry("readme.txt"));
            o.write("built against a newer SPI".getBytes(StandardCharsets.UTF_8));
            o.closeEntry();
        }
        return out;
    }

    static String sha256(Path file) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

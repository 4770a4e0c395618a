package dev.ksim.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.runtime.cli.Ksim;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's exit codes, each exercised in-process over the classpath plugins: 0 ok, 1 invalid
 * input, 2 failed expectation, 3 crashed plugin. Messages are located and free of stack traces.
 */
class CliExitCodesTest {
    @TempDir
    Path out;

    record Outcome(int code, String out, String err) {
    }

    private static Outcome ksim(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Ksim.execute(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Outcome(code, o.toString(), e.toString());
    }

    private static String bad(String name) {
        try {
            return Path.of(CliExitCodesTest.class.getResource("/bad/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertNoStackTrace(Outcome o) {
        assertFalse(o.err().contains("\tat "), "stack trace printed:\n" + o.err());
        assertFalse(o.err().contains("Exception"), "exception class name printed:\n" + o.err());
    }

    @Test
    void quickstartRunsAndWritesResults() {
        Outcome o = ksim("run", Scenarios.dir().resolve("quickstart.ksim.groovy").toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("policy=first-touch"), o.out());
        assertTrue(o.out().contains("policy=interleave"), o.out());
        assertTrue(Files.exists(out.resolve("results.json")));
    }

    @Test
    void typoIsLocatedWithASuggestionAndExits1() {
        Outcome o = ksim("run", bad("typo.ksim.groovy"), "--out", out.toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("typo.ksim.groovy:6: "), o.err());
        assertTrue(o.err().contains("'memmory'"), o.err());
        assertTrue(o.err().contains("did you mean 'memory'?"), o.err());
        assertNoStackTrace(o);
        assertFalse(Files.exists(out.resolve("results.json")), "invalid input must not write results");
    }

    @Test
    void stacktraceFlagShowsTheTrace() {
        Outcome o = ksim("check", bad("typo.ksim.groovy"), "--stacktrace");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("\tat "), o.err());
    }

    @Test
    void syntaxErrorIsLocated() {
        Outcome o = ksim("check", bad("syntax.ksim.groovy"));
        assertEquals(1, o.code());
        assertTrue(o.err().matches("(?s).*syntax\\.ksim\\.groovy:\\d+(:\\d+)?: .*"), o.err());
        assertNoStackTrace(o);
    }

    @Test
    void unknownPluginListsTheAvailableOnes() {
        Outcome o = ksim("check", bad("unknown-policy.ksim.groovy"));
        assertEquals(1, o.code());
        assertTrue(o.err().contains("unknown migration policy 'frist-touch'"), o.err());
        assertTrue(o.err().contains("did you mean 'first-touch'?"), o.err());
        assertTrue(o.err().contains("interleave"), o.err());
    }

    @Test
    void badOptionTypeNamesOptionAndExpectedType() {
        Outcome o = ksim("check", bad("bad-option.ksim.groovy"));
        assertEquals(1, o.code());
        assertTrue(o.err().contains("option 'theta'"), o.err());
        assertTrue(o.err().contains("expects a number"), o.err());
    }

    @Test
    void failedExpectationExits2() {
        Outcome o = ksim("run", bad("failing-expectation.ksim.groovy"), "--out", out.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.out().contains("FAILED"), o.out());
        assertTrue(o.out().contains("pgfault < 1"), o.out());
    }

    @Test
    void crashingPluginIsNamedAndOnlyItsRunFails() throws Exception {
        Outcome o = ksim("run", bad("crash.ksim.groovy"), "--out", out.toString());
        assertEquals(3, o.code(), o.err());
        assertTrue(o.out().contains("migration policy 'crash-test' crashed"), o.out());
        String json = Files.readString(out.resolve("results.json"));
        // The other variant completed and reported.
        assertTrue(json.contains("\"variant\" : \"policy=first-touch\""), json);
        assertTrue(json.contains("deliberate crash"), json);
    }

    @Test
    void unknownSetNameIsInvalidInput() {
        Outcome o = ksim("check", Scenarios.dir().resolve("quickstart.ksim.groovy").toString(), "--set", "polcy=interleave");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("did you mean 'policy'?"), o.err());
    }

    @Test
    void badCommandLineIsInvalidInput() {
        assertEquals(1, ksim("run").code());
        assertEquals(1, ksim("frobnicate").code());
        assertEquals(1, ksim("run", "does-not-exist.ksim.groovy").code());
    }

    @Test
    void pluginsDocPrintsTheSchema() {
        Outcome o = ksim("plugins", "--doc", "zipf");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("theta"), o.out());
        assertTrue(o.out().contains("0.99"), o.out());
        Outcome unknown = ksim("plugins", "--doc", "zpif");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("did you mean 'zipf'?"), unknown.err());
    }

    @Test
    void versionPrints() {
        Outcome o = ksim("version");
        assertEquals(0, o.code());
        assertTrue(o.out().startsWith("ksim "), o.out());
    }
}

package dev.ksim.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.results.RunResult;
import dev.ksim.runtime.cli.Ksim;
import dev.ksim.runtime.run.ScenarioReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad IPC input end to end: check-time mistakes exit 1 with file:line and no stack trace (the CLI
 * in-process, as {@link CliExitCodesTest} does); runtime misuse a real program could commit —
 * writing through a handle after releasing it — is the kernel's errno, counted, not an error.
 */
class IpcBadInputTest {
    @TempDir
    Path dir;

    private static String[] ksim(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Ksim.execute(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new String[] {String.valueOf(code), o.toString(), e.toString()};
    }

    private static String bad(String name) {
        try {
            return Path.of(IpcBadInputTest.class.getResource("/bad/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void unknownPeerExits1LocatedWithDidYouMean() {
        String[] r = ksim("run", bad("ipc-unknown-peer.ksim.groovy"), "--out", dir.toString());
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("ipc-unknown-peer.ksim.groovy:9: peer 'client' rpc unknown peer 'agnet'; did you mean 'agent'?"), r[2]);
        assertFalse(r[2].contains("\tat ") || r[2].contains("Exception"), r[2]);
        assertFalse(Files.exists(dir.resolve("results.json")), "invalid input must not write results");
    }

    @Test
    void zeroLimitExits1Located() {
        String[] r = ksim("check", bad("ipc-zero-limit.ksim.groovy"));
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("ipc-zero-limit.ksim.groovy:6: "), r[2]);
        assertTrue(r[2].contains("at least 1, got 0"), r[2]);
    }

    @Test
    void writingThroughAReleasedHandleIsCountedEbadfAndNothingIsLost() throws Exception {
        // Two proxies each pass the handle on, so each reader holds two references: on NODE_DESTROY
        // a reader must drop them all, after which its writes fail with EBADF (a bug once kept one).
        Path p = dir.resolve("revoke.ksim.groovy");
        Files.writeString(p, """
                scenario('revoke') {
                    duration 10.ms
                    ipc {
                        transport 'bus1'
                        accounting 'quota-n1'
                        user 'alice', uid: 1000
                        users 'others', uid: 2000, count: 4
                        peer('owner', user: 'alice') { share to: ['proxy'], at: 1.ms; destroy at: 5.ms }
                        peer('proxy', user: 'others', count: 2) { forward to: ['reader'] }
                        peer('reader', user: 'others', count: 2) { write every: 50.us, bytes: 64.B }
                    }
                }
                """);
        ScenarioReport report = Scenarios.run(p, 1);
        RunResult run = report.runs().get(0);
        assertNull(run.error());
        assertEquals(List.of(), run.invariants().violations());
        assertEquals(2, run.metrics().get("ipc.reader.node_destroy_seen").longValue());
        long ebadf = run.metrics().get("ipc.reader.ebadf").longValue();
        // ~100 ticks after 5 ms for each of the 2 readers, minus the one tick that may still be dropped
        assertTrue(ebadf >= 190, "reader writes after release: EBADF " + ebadf);
        assertEquals(1, run.metrics().get("ipc_nodes_destroyed").longValue());
        assertEquals(5, run.metrics().get("ipc_node_destroy").longValue(), "owner + 2 proxies + 2 readers, one transaction");
    }
}

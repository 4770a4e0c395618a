package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.ipc.IpcSpec;
import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input in {@code ipc { }}: every mistake is a located error, with a did-you-mean where a name
 * is misspelt. Script-level mistakes (a limit below 1, an unknown option) fail at load; model-level
 * ones (unknown peer or user, a rate one peer cannot sustain) fail the check-time validation that
 * {@code ksim check} and {@code ksim run} do before anything runs.
 */
class IpcBlockTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /** A valid scenario with {@code peers} as its peer declarations (line 10 on) and {@code limits} on line 7. */
    private Path write(String limits, String peers) throws IOException {
        Path p = dir.resolve("ipc.ksim.groovy");
        Files.writeString(p, """
                scenario('ipc') {
                    duration 10.ms
                    ipc {
                        transport 'bus1'
                        accounting 'quota-n1'
                        user 'root', uid: 0
                        %s
                        users 'clients', uid: 1000, count: 4
                        peer('agent', user: 'root') { serve every: 20.us, reply: 256.B }
                %s
                    }
                }
                """.formatted(limits, peers));
        return p;
    }

    private List<String> check(Path p) throws ScenarioException {
        ScenarioModel m = loader.load(p, Map.of()).variants().get(0);
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    private List<String> loadErrors(Path p) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    @Test
    void aValidScenarioLoadsWithItsBehaviours() throws Exception {
        Path p = write("limits { slices 1024 }", """
                        peer('client', user: 'clients', count: 4) { rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 5.ms }
                        peer('relay', user: 'root') { relay to: ['client'], bytes: 64.B, hops: 2; write every: 1.ms, bytes: 8.B }
                """);
        assertEquals(List.of(), check(p));
        IpcSpec ipc = loader.load(p, Map.of()).variants().get(0).ipc();
        assertEquals(1024, ipc.userLimits().slices());
        IpcSpec.Behaviour relay = ipc.peers().get(2).behaviours().get(0);
        assertEquals(IpcSpec.Kind.RELAY, relay.kind());
        assertEquals(2, relay.hops());
        assertEquals(IpcSpec.Kind.WRITE, ipc.peers().get(2).behaviours().get(1).kind());
    }

    @Test
    void unknownPeerIsLocatedWithDidYouMean() throws Exception {
        Path p = write("", "        peer('client', user: 'clients') { rpc 'agnet', every: 1.ms, timeout: 5.ms }");
        assertEquals(List.of(p + ":10: peer 'client' rpc unknown peer 'agnet'; did you mean 'agent'?; peers: agent, client"), check(p));
    }

    @Test
    void unknownShareTargetIsLocatedWithDidYouMean() throws Exception {
        Path p = write("", "        peer('owner', user: 'root') { share to: ['agentt'], at: 1.ms }");
        List<String> errors = check(p);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":10: peer 'owner' share unknown peer 'agentt'; did you mean 'agent'?"), errors.get(0));
    }

    @Test
    void unknownUserIsLocatedWithDidYouMean() throws Exception {
        Path p = write("", "        peer('client', user: 'client') { rpc 'agent', every: 1.ms, timeout: 5.ms }");
        assertEquals(List.of(p + ":10: peer 'client' runs as unknown user 'client'; did you mean 'clients'?"), check(p));
    }

    @Test
    void containerOfAnUnknownOwnerIsLocatedWithDidYouMean() throws Exception {
        Path p = write("container 'box', owner: 'roto', uid: 100000, subuids: 65536", "");
        assertEquals(List.of(p + ":7: container 'box' is owned by unknown user 'roto'; did you mean 'root'?"), check(p));
    }

    @Test
    void zeroOrNegativeLimitsAreLocated() {
        Path p = assertDoesNotThrowIo(() -> write("limits { slices 0 }; peerLimits { handles(-5) }", ""));
        List<String> errors = loadErrors(p);
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":7: ") && errors.get(0).contains("slices") && errors.get(0).contains("at least 1, got 0"),
                errors.get(0));
        assertTrue(errors.get(1).startsWith(p + ":7: ") && errors.get(1).contains("handles") && errors.get(1).contains("at least 1, got -5"),
                errors.get(1));
    }

    @Test
    void zeroByteLimitIsLocated() {
        Path p = assertDoesNotThrowIo(() -> write("limits { bytes 0.B }", ""));
        List<String> errors = loadErrors(p);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":7: ") && errors.get(0).contains("bytes"), errors.get(0));
    }

    @Test
    void aRateOnePeerCannotSustainIsLocated() throws Exception {
        Path p = write("", "        peer('flooder', user: 'root') { flood 'agent', rate: 10_000_000, bytes: 64.B }");
        List<String> errors = check(p);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":10: peer 'flooder': flood every 100 ns cannot be met: one flood costs 442 ns"),
                errors.get(0));
    }

    @Test
    void aServePeriodShorterThanRecvPlusReplyIsLocated() throws Exception {
        Path p = write("", "        peer('fast', user: 'root') { serve every: 100.ns, reply: 1.KiB }");
        List<String> errors = check(p);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":10: peer 'fast': serve every 100 ns cannot be met"), errors.get(0));
    }

    @Test
    void relayHopsBelowOneAndHopsOutsideRelayAreLocated() {
        Path p = assertDoesNotThrowIo(() -> write("", """
                        peer('r', user: 'root') { relay to: ['agent'], hops: 0 }
                        peer('f', user: 'root') { flood 'agent', every: 1.ms, hops: 2 }
                """));
        List<String> errors = loadErrors(p);
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(p + ":10: ") && errors.get(0).contains("at least 1, got 0"), errors.get(0));
        assertTrue(errors.get(1).startsWith(p + ":11: ") && errors.get(1).contains("'hops:' is for relay only"), errors.get(1));
    }

    @Test
    void unknownBehaviourOptionIsLocatedWithDidYouMean() {
        Path p = assertDoesNotThrowIo(() -> write("", "        peer('f', user: 'root') { flood 'agent', evry: 1.ms }"));
        List<String> errors = loadErrors(p);
        assertTrue(errors.get(0).startsWith(p + ":10: unknown option 'evry' of flood") && errors.get(0).contains("'every'"), errors.toString());
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T assertDoesNotThrowIo(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}

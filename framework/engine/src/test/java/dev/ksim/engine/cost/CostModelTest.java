package dev.ksim.engine.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void everyEntryIsDocumentedWithASource() {
        for (CostModel.Entry e : CostModel.entries()) {
            assertFalse(e.unit().isBlank(), e.key());
            assertFalse(e.doc().isBlank(), e.key());
            assertFalse(e.source().isBlank(), e.key());
            assertTrue(e.defaultValue() >= 0, e.key());
        }
        assertEquals(CostModel.entries().size(), CostModel.keys().size(), "keys are unique");
        assertTrue(CostModel.keys().contains(CostModel.FAULT_MINOR_ANON));
    }

    @Test
    void swapLatenciesComeFromTheSwapDeviceAndOverridesWin() {
        CostModel c = CostModel.of(new SwapSpec(1 << 20, 80_000, 90_000, SourceRef.UNKNOWN), Map.of(CostModel.SWAP_WRITE, 5L));
        assertEquals(80_000, c.get(CostModel.SWAP_READ));
        assertEquals(5, c.get(CostModel.SWAP_WRITE));
        assertEquals(1_000, c.get(CostModel.FAULT_MINOR_ANON));
        assertEquals(1_000, CostModel.defaults().get(CostModel.FAULT_MINOR_ANON));
    }

    @Test
    void unknownKeysAndNegativeValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CostModel.of(null, Map.of("fault.minor", 1L)));
        assertThrows(IllegalArgumentException.class, () -> CostModel.of(null, Map.of(CostModel.OOM_KILL, -1L)));
        assertThrows(IllegalArgumentException.class, () -> CostModel.defaults().get("nope"));
    }
}

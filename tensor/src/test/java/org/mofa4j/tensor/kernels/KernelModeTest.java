package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/** KernelMode: overrides nest and restore; describe() names the active mode; VECTOR is never forced blindly. */
class KernelModeTest {

    @Test
    void overridesNestAndRestoreThePreviousMode() {
        Mode configured = KernelMode.current();
        try (var _ = KernelMode.override(Mode.SCALAR)) {
            assertEquals(Mode.SCALAR, KernelMode.current());
            if (KernelMode.vectorAvailable()) {
                try (var _ = KernelMode.override(Mode.VECTOR)) {
                    assertEquals(Mode.VECTOR, KernelMode.current());
                }
                assertEquals(Mode.SCALAR, KernelMode.current());
            }
        }
        assertEquals(configured, KernelMode.current());
    }

    @Test
    void describeNamesModeAndThreads() {
        try (var _ = KernelMode.override(Mode.SCALAR)) {
            String d = KernelMode.describe();
            assertTrue(d.startsWith("mofa4j kernels: scalar ("), d);
            assertTrue(d.endsWith(KernelMode.threads() + (KernelMode.threads() == 1 ? " thread" : " threads")), d);
        }
        if (KernelMode.current() == Mode.VECTOR) {
            assertTrue(KernelMode.describe().contains("FloatVector"), KernelMode.describe());
        }
    }

    @Test
    void forcingVectorWithoutTheVectorApiFails() {
        if (!KernelMode.vectorAvailable()) {
            assertThrows(IllegalStateException.class, () -> KernelMode.override(Mode.VECTOR));
        }
        assertTrue(KernelMode.threads() >= 1);
    }
}

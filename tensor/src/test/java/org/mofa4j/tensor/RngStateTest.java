package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A generator restored from its state continues the same sequence (exact resume of training). */
class RngStateTest {
    @Test
    void restoredGeneratorContinuesTheSameSequence() {
        Rng a = new Rng(99);
        a.normal(0, 1, 17);
        Rng b = Rng.fromState(a.state());
        assertArrayEquals(a.uniform(0, 1, 100).toFloatArray(), b.uniform(0, 1, 100).toFloatArray());
        assertArrayEquals(new long[] {a.nextLong()}, new long[] {b.nextLong()});
    }

    @Test
    void malformedStateIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Rng.fromState(new long[2]));
    }
}

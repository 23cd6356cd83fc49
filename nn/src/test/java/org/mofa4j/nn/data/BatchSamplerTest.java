package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.IntTensor;

/** Seeded random windows: shapes, the one-token shift, reproducibility and exact resume. */
class BatchSamplerTest {

    /** A stream whose token at position i is i, so every window reveals its offset. */
    private static TokenStream iota(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
        }
        return TokenStream.of("iota", t);
    }

    @Test
    void batchesAreContiguousWindowsWithTargetsShiftedByOne() {
        int n = 500;
        int batch = 8;
        int context = 16;
        BatchSampler s = new BatchSampler(iota(n), batch, context, 42);
        for (int step = 0; step < 20; step++) {
            Batch b = s.next();
            assertArrayEquals(new int[] {batch, context}, b.inputs().shape());
            assertArrayEquals(new int[] {batch, context}, b.targets().shape());
            for (int r = 0; r < batch; r++) {
                int offset = b.inputs().get(r, 0);
                assertTrue(offset >= 0 && offset <= n - context - 1, "offset " + offset);
                for (int t = 0; t < context; t++) {
                    assertEquals(offset + t, b.inputs().get(r, t));
                    assertEquals(offset + t + 1, b.targets().get(r, t));
                }
            }
        }
    }

    @Test
    void targetsAreTheNextTokensOfRealText() {
        TokenStream stream = TextDataset.builtIn(ByteTokenizer.INSTANCE).tokens();
        Batch b = new BatchSampler(stream, 4, 32, 1).next();
        for (int r = 0; r < 4; r++) {
            for (int t = 0; t + 1 < 32; t++) {
                assertEquals(b.inputs().get(r, t + 1), b.targets().get(r, t));
            }
        }
    }

    @Test
    void offsetsCoverTheWholeRangeIncludingBothEnds() {
        int n = 12;
        int context = 4; // offsets 0..7
        BatchSampler s = new BatchSampler(iota(n), 64, context, 5);
        boolean[] seen = new boolean[n];
        for (int step = 0; step < 10; step++) {
            Batch b = s.next();
            for (int r = 0; r < 64; r++) {
                seen[b.inputs().get(r, 0)] = true;
            }
        }
        for (int o = 0; o < n; o++) {
            assertEquals(o <= n - context - 1, seen[o], "offset " + o);
        }
    }

    @Test
    void streamOfExactlyContextPlusOneTokensHasOneWindow() {
        Batch b = new BatchSampler(iota(9), 3, 8, 0).next();
        for (int r = 0; r < 3; r++) {
            assertEquals(0, b.inputs().get(r, 0));
            assertEquals(8, b.targets().get(r, 7));
        }
    }

    @Test
    void sameSeedGivesSameBatchesAndDifferentSeedDiffers() {
        BatchSampler a = new BatchSampler(iota(10_000), 4, 8, 1234);
        BatchSampler b = new BatchSampler(iota(10_000), 4, 8, 1234);
        BatchSampler c = new BatchSampler(iota(10_000), 4, 8, 1235);
        boolean anyDifferent = false;
        for (int i = 0; i < 10; i++) {
            Batch x = a.next();
            assertEquals(x, b.next());
            anyDifferent |= !x.equals(c.next());
        }
        assertTrue(anyDifferent);
        assertNotEquals(a.batchAt(0), a.batchAt(1));
    }

    @Test
    void seekingToASavedStepResumesExactly() {
        BatchSampler original = new BatchSampler(iota(10_000), 4, 8, 99);
        List<Batch> run = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            run.add(original.next());
        }
        assertEquals(12, original.step());
        // A checkpoint written after 7 steps stores step() = 7; a fresh sampler resumes from there.
        BatchSampler resumed = new BatchSampler(iota(10_000), 4, 8, 99);
        resumed.seek(7);
        for (int i = 7; i < 12; i++) {
            assertEquals(run.get(i), resumed.next(), "batch " + i);
        }
        assertEquals(12, resumed.step());
    }

    @Test
    void batchAtIsPureAndMatchesNext() {
        BatchSampler s = new BatchSampler(iota(1000), 2, 4, 7);
        Batch third = s.batchAt(2);
        assertEquals(0, s.step());
        s.next();
        s.next();
        assertEquals(third, s.next());
        assertEquals(third, s.batchAt(2));
    }

    @Test
    void streamShorterThanContextPlusOneNamesBothNumbers() {
        TextDataset ds = TextDataset.fromText("0123456789".repeat(10), ByteTokenizer.INSTANCE, "digits.txt");
        TokenStream val = ds.split().validation(); // 10 tokens
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchSampler(val, 4, 10, 0));
        assertEquals("validation split of digits.txt has 10 tokens, fewer than the context length + 1 = 11 needed "
                + "for one training window", e.getMessage());
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(iota(100), 0, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(iota(100), 2, 0, 0));
        BatchSampler s = new BatchSampler(iota(100), 2, 8, 0);
        assertThrows(IllegalArgumentException.class, () -> s.seek(-1));
        assertThrows(IllegalArgumentException.class, () -> s.batchAt(-1));
    }

    @Test
    void batchRejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> new Batch(
                IntTensor.zeros(2, 3), IntTensor.zeros(2, 4)));
        assertThrows(IllegalArgumentException.class, () -> new Batch(
                IntTensor.zeros(6), IntTensor.zeros(6)));
    }
}

package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.tensor.IndexOpsReference.assertFreshContiguous;
import static org.mofa4j.tensor.IndexOpsReference.assertTensor;
import static org.mofa4j.tensor.IndexOpsReference.values;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** concat, stack and split: values against loop oracles, round trips, views, and error messages. */
class ConcatSplitStackTest {
    private static final DType[] DTYPES = {DType.F32, DType.F64};

    @Test
    void concatMatchesLoopReferenceOnRandomViewsIncludingEmptyParts() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 4);
            int axis = rnd.nextInt(rank);
            Tensor[] parts = new Tensor[1 + rnd.nextInt(4)];
            int total = 0;
            for (int k = 0; k < parts.length; k++) {
                int[] s = shape.clone();
                s[axis] = rnd.nextInt(4); // 0 allowed
                total += s[axis];
                parts[k] = TestTensors.randomView(rnd, dtype, s);
            }
            int[] expectedShape = shape.clone();
            expectedShape[axis] = total;
            Tensor out = Tensor.concat(rnd.nextBoolean() ? axis : axis - rank, parts);
            assertTensor(expectedShape, dtype, IndexOpsReference.concat(axis, parts), out);
            assertFreshContiguous(out);
            for (Tensor p : parts) {
                assertFalse(out.sharesStorage(p));
            }
        }
    }

    @Test
    void concatOfOnePartIsAFreshCopy() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        Tensor out = Tensor.concat(0, a);
        assertTensor(new int[] {3, 2}, DType.F32, new double[] {1, 4, 2, 5, 3, 6}, out);
        assertFalse(out.sharesStorage(a));
    }

    @Test
    void concatAlongRowsAndColumns() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new double[] {5, 6}, 1, 2);
        assertTensor(new int[] {3, 2}, DType.F64, new double[] {1, 2, 3, 4, 5, 6}, Tensor.concat(0, a, b));
        Tensor c = Tensor.of(new double[] {7, 8}, 2, 1);
        assertTensor(new int[] {2, 3}, DType.F64, new double[] {1, 2, 7, 3, 4, 8}, Tensor.concat(1, a, c));
    }

    @Test
    void splitReturnsViewsOfTheRequestedSizes() {
        Tensor a = Tensor.arange(DType.F64, 0, 12, 1).reshape(3, 4);
        Tensor[] pieces = a.split(1, 1, 0, 3);
        assertEquals(3, pieces.length);
        assertArrayEquals(new int[] {3, 1}, pieces[0].shape());
        assertArrayEquals(new int[] {3, 0}, pieces[1].shape());
        assertArrayEquals(new int[] {3, 3}, pieces[2].shape());
        for (Tensor p : pieces) {
            assertTrue(p.sharesStorage(a));
        }
        assertArrayEquals(new double[] {1, 2, 3, 5, 6, 7, 9, 10, 11}, values(pieces[2]), 0.0);
        pieces[0].set(-1, 2, 0);
        assertEquals(-1, a.get(2, 0), 0.0, "a split piece writes through to its source");
    }

    @Test
    void splitThenConcatRoundTripsRandomViews() {
        Random rnd = new Random(12);
        for (int trial = 0; trial < 100; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 6);
            int axis = rnd.nextInt(rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            int[] sizes = randomComposition(rnd, shape[axis]);
            Tensor[] pieces = a.split(axis, sizes);
            for (int k = 0; k < sizes.length; k++) {
                assertEquals(sizes[k], pieces[k].dim(axis));
            }
            assertTensor(shape, dtype, values(a), Tensor.concat(axis, pieces));
        }
    }

    /** Non-negative sizes summing to n, zeros included. */
    private static int[] randomComposition(Random rnd, int n) {
        int parts = 1 + rnd.nextInt(4);
        int[] sizes = new int[parts];
        int left = n;
        for (int k = 0; k < parts - 1; k++) {
            sizes[k] = rnd.nextInt(left + 1);
            left -= sizes[k];
        }
        sizes[parts - 1] = left;
        return sizes;
    }

    @Test
    void stackEqualsUnsqueezeThenConcat() {
        Random rnd = new Random(13);
        for (int trial = 0; trial < 100; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = rnd.nextInt(4); // 0-d parts included
            int[] shape = TestTensors.randomShape(rnd, rank, 4);
            int axis = rnd.nextInt(rank + 1);
            Tensor[] parts = new Tensor[1 + rnd.nextInt(4)];
            Tensor[] lifted = new Tensor[parts.length];
            for (int k = 0; k < parts.length; k++) {
                parts[k] = TestTensors.randomView(rnd, dtype, shape);
                lifted[k] = parts[k].unsqueeze(axis);
            }
            Tensor expected = Tensor.concat(axis, lifted);
            Tensor out = Tensor.stack(rnd.nextBoolean() ? axis : axis - rank - 1, parts);
            assertTensor(expected.shape(), dtype, values(expected), out);
        }
    }

    @Test
    void stackPutsPartKAtIndexKOfTheNewAxis() {
        Tensor a = Tensor.vector(1, 2, 3);
        Tensor b = Tensor.vector(4, 5, 6);
        assertTensor(new int[] {2, 3}, DType.F32, new double[] {1, 2, 3, 4, 5, 6}, Tensor.stack(0, a, b));
        assertTensor(new int[] {3, 2}, DType.F32, new double[] {1, 4, 2, 5, 3, 6}, Tensor.stack(-1, a, b));
    }

    // ---------------------------------------------------------------- errors

    private static String message(Runnable r) {
        return assertThrows(ShapeException.class, r::run).getMessage();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String p : parts) {
            assertTrue(msg.contains(p), "message \"" + msg + "\" should mention \"" + p + "\"");
        }
    }

    @Test
    void concatRejectsNoParts() {
        assertMentions(message(() -> Tensor.concat(0)), "concat", "at least one");
    }

    @Test
    void concatRejectsMismatchedDimensionNamingPartAndShapes() {
        Tensor a = Tensor.zeros(2, 3);
        Tensor b = Tensor.zeros(2, 3);
        Tensor c = Tensor.zeros(2, 4);
        assertMentions(message(() -> Tensor.concat(0, a, b, c)), "concat", "part 2", "[2, 4]", "[2, 3]", "axis 0");
    }

    @Test
    void concatRejectsRankMismatch() {
        assertMentions(message(() -> Tensor.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 3, 1))),
                "concat", "part 1", "[2, 3, 1]", "rank 3", "rank 2");
    }

    @Test
    void concatRejectsDtypeMismatch() {
        assertMentions(message(() -> Tensor.concat(0, Tensor.zeros(DType.F32, 2), Tensor.zeros(DType.F64, 2))),
                "concat", "part 1", "F64", "F32");
    }

    @Test
    void concatRejectsAxisOutOfRange() {
        assertMentions(message(() -> Tensor.concat(2, Tensor.zeros(2, 3))), "concat", "axis 2", "rank 2");
        assertMentions(message(() -> Tensor.concat(0, Tensor.zeros(DType.F32))), "concat", "rank 0");
    }

    @Test
    void stackRejectsUnequalShapes() {
        assertMentions(message(() -> Tensor.stack(0, Tensor.zeros(2, 3), Tensor.zeros(3, 2))),
                "stack", "part 1", "[3, 2]", "[2, 3]");
    }

    @Test
    void stackRejectsAxisBeyondRankPlusOne() {
        assertMentions(message(() -> Tensor.stack(3, Tensor.zeros(2, 3))), "stack", "axis 3");
        assertMentions(message(() -> Tensor.stack(-4, Tensor.zeros(2, 3))), "stack", "axis -4");
    }

    @Test
    void stackRejectsDtypeMismatchAndNoParts() {
        assertMentions(message(() -> Tensor.stack(0, Tensor.zeros(DType.F64, 2), Tensor.zeros(DType.F32, 2))),
                "stack", "part 1", "F32", "F64");
        assertMentions(message(() -> Tensor.stack(0)), "stack", "at least one");
    }

    @Test
    void splitRejectsSizesThatDoNotSumToTheAxis() {
        Tensor a = Tensor.zeros(4, 6);
        assertMentions(message(() -> a.split(1, 2, 3)), "split", "sum to 5", "size 6");
    }

    @Test
    void splitRejectsNegativeSize() {
        Tensor a = Tensor.zeros(4, 6);
        assertMentions(message(() -> a.split(0, 5, -1)), "split", "negative", "-1");
    }
}

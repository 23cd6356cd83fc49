package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.tensor.IndexOpsReference.assertFreshContiguous;
import static org.mofa4j.tensor.IndexOpsReference.assertTensor;
import static org.mofa4j.tensor.IndexOpsReference.randomIndex;
import static org.mofa4j.tensor.IndexOpsReference.values;
import static org.mofa4j.tensor.IndexOpsReference.writableView;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** gather, scatterAdd, indexSelect and indexAdd against loop oracles, their adjointness, and their errors. */
class IndexOpsTest {
    private static final DType[] DTYPES = {DType.F32, DType.F64};

    /** An index shape for gather/scatterAdd on a: any size along axis, at most a's size elsewhere. */
    private static int[] gatherIndexShape(Random rnd, int[] aShape, int axis) {
        int[] s = new int[aShape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = i == axis ? rnd.nextInt(5) : 1 + rnd.nextInt(aShape[i]);
        }
        return s;
    }

    // ---------------------------------------------------------------- gather

    @Test
    void gatherMatchesLoopReferenceOnRandomViews() {
        Random rnd = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 5);
            int axis = rnd.nextInt(rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            IntTensor index = randomIndex(rnd, shape[axis], gatherIndexShape(rnd, shape, axis));
            int passedAxis = rnd.nextBoolean() ? axis : axis - rank;
            Tensor out = a.gather(passedAxis, index);
            assertTensor(index.shape(), dtype, IndexOpsReference.gather(a, axis, index), out);
            assertFreshContiguous(out);
            assertFalse(out.sharesStorage(a));
        }
    }

    @Test
    void gatherPicksAlongTheAxisForEachRow() {
        // a = [[1, 2, 3], [4, 5, 6]]; per row pick columns [2, 0] and [1, 1]
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor out = a.gather(1, IntTensor.of(new int[] {2, 0, 1, 1}, 2, 2));
        assertTensor(new int[] {2, 2}, DType.F32, new double[] {3, 1, 5, 5}, out);
    }

    // ---------------------------------------------------------------- scatterAdd

    @Test
    void scatterAddMatchesLoopReferenceOnRandomViews() {
        Random rnd = new Random(2);
        for (int trial = 0; trial < 200; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 5);
            int axis = rnd.nextInt(rank);
            Tensor self = writableView(rnd, dtype, shape);
            int[] indexShape = gatherIndexShape(rnd, shape, axis);
            IntTensor index = randomIndex(rnd, shape[axis], indexShape);
            Tensor src = TestTensors.randomView(rnd, dtype, indexShape);
            double[] expected = IndexOpsReference.scatterAdd(self, axis, index, src);
            Tensor returned = self.scatterAddInPlace(axis, index, src);
            assertTrue(returned == self);
            assertTensor(shape, dtype, expected, self);
        }
    }

    @Test
    void scatterAddAccumulatesDuplicateIndices() {
        Tensor self = Tensor.zeros(DType.F64, 3);
        self.scatterAddInPlace(0, IntTensor.vector(1, 1, 1, 0), Tensor.of(new double[] {1, 10, 100, 5}, 4));
        assertArrayEquals(new double[] {5, 111, 0}, values(self), 0.0);
    }

    @Test
    void scatterAddWritesOnlyInsideAStridedSelfView() {
        Tensor base = Tensor.zeros(DType.F32, 4, 6);
        Tensor self = base.narrow(0, 1, 2).narrow(1, 2, 3); // [2, 3] inside [4, 6]
        self.scatterAddInPlace(1, IntTensor.of(new int[] {2, 2, 0, 1}, 2, 2), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        double[] all = values(base);
        double[] expected = new double[24];
        expected[6 + 2 + 2] = 3; // row 1 of base, column 2 + 2
        expected[12 + 2 + 0] = 3;
        expected[12 + 2 + 1] = 4;
        assertArrayEquals(expected, all, 0.0);
    }

    @Test
    void gatherAndScatterAddAreAdjoint() {
        // <gather(a, idx), g> == <a, scatterAdd(0, idx, g)>, in F64
        Random rnd = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 6);
            int axis = rnd.nextInt(rank);
            Tensor a = TestTensors.randomView(rnd, DType.F64, shape);
            int[] indexShape = gatherIndexShape(rnd, shape, axis);
            IntTensor index = randomIndex(rnd, shape[axis], indexShape);
            Tensor g = TestTensors.randomView(rnd, DType.F64, indexShape);
            double lhs = IndexOpsReference.dot(a.gather(axis, index), g);
            double rhs = IndexOpsReference.dot(a, Tensor.zeros(DType.F64, shape).scatterAddInPlace(axis, index, g));
            assertEquals(lhs, rhs, 1e-12, "trial " + trial);
        }
    }

    // ---------------------------------------------------------------- indexSelect

    @Test
    void indexSelectMatchesLoopReferenceOnRandomViews() {
        Random rnd = new Random(4);
        for (int trial = 0; trial < 200; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 5);
            int axis = rnd.nextInt(rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            IntTensor index = randomIndex(rnd, shape[axis], rnd.nextInt(7));
            int[] expectedShape = shape.clone();
            expectedShape[axis] = index.numel();
            assertTensor(expectedShape, dtype, IndexOpsReference.indexSelect(a, axis, index), a.indexSelect(axis, index));
        }
    }

    @Test
    void indexSelectOnAxisZeroIsAnEmbeddingLookup() {
        // wte [V=4, C=3], tokens [2, 0, 2] → rows 2, 0, 2
        Tensor wte = Tensor.of(new float[] {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}, 4, 3);
        Tensor out = wte.indexSelect(0, IntTensor.vector(2, 0, 2));
        assertTensor(new int[] {3, 3}, DType.F32, new double[] {20, 21, 22, 0, 1, 2, 20, 21, 22}, out);
    }

    @Test
    void indexSelectReadsAnOffsetContiguousView() {
        Tensor big = Tensor.arange(DType.F64, 0, 20, 1).reshape(5, 4);
        Tensor rows = big.narrow(0, 1, 3); // contiguous, offset 4
        Tensor out = rows.indexSelect(0, IntTensor.vector(2, 1));
        assertTensor(new int[] {2, 4}, DType.F64, new double[] {12, 13, 14, 15, 8, 9, 10, 11}, out);
        Tensor cols = rows.indexSelect(-1, IntTensor.vector(3, 3, 0));
        assertTensor(new int[] {3, 3}, DType.F64, new double[] {7, 7, 4, 11, 11, 8, 15, 15, 12}, cols);
    }

    @Test
    void indexSelectWithEmptyIndexGivesEmptyAxis() {
        Tensor out = Tensor.zeros(DType.F32, 3, 4).indexSelect(1, IntTensor.zeros(0));
        assertArrayEquals(new int[] {3, 0}, out.shape());
    }

    // ---------------------------------------------------------------- indexAdd

    @Test
    void indexAddMatchesLoopReferenceOnRandomViews() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            DType dtype = DTYPES[trial % 2];
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 5);
            int axis = rnd.nextInt(rank);
            Tensor self = writableView(rnd, dtype, shape);
            IntTensor index = randomIndex(rnd, shape[axis], rnd.nextInt(7));
            int[] srcShape = shape.clone();
            srcShape[axis] = index.numel();
            Tensor src = TestTensors.randomView(rnd, dtype, srcShape);
            double[] expected = IndexOpsReference.indexAdd(self, axis, index, src);
            assertTrue(self.indexAddInPlace(axis, index, src) == self);
            assertTensor(shape, dtype, expected, self);
        }
    }

    @Test
    void indexAddAccumulatesRepeatedTokensLikeTheEmbeddingBackward() {
        // dWte [V=3, C=2] += rows of dOut [4, 2] at tokens [1, 0, 1, 1]
        Tensor dWte = Tensor.zeros(DType.F32, 3, 2);
        Tensor dOut = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
        dWte.indexAddInPlace(0, IntTensor.vector(1, 0, 1, 1), dOut);
        assertArrayEquals(new double[] {3, 4, 1 + 5 + 7, 2 + 6 + 8, 0, 0}, values(dWte), 0.0);
    }

    @Test
    void indexAddAddsInIndexOrderSoFloatRoundingIsDeterministic() {
        // 1e8 + 1 + 1 - 1e8 rounds differently from (1 + 1 + 1e8) - 1e8 in float: order is part of the spec.
        Tensor self = Tensor.zeros(DType.F32, 1);
        self.indexAddInPlace(0, IntTensor.vector(0, 0, 0, 0), Tensor.vector(1e8f, 1, 1, -1e8f));
        float expected = 0f;
        for (float v : new float[] {1e8f, 1, 1, -1e8f}) {
            expected += v;
        }
        assertEquals(expected, self.get(0), 0.0);
    }

    @Test
    void indexSelectAndIndexAddAreAdjoint() {
        Random rnd = new Random(6);
        for (int trial = 0; trial < 100; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] shape = TestTensors.randomShape(rnd, rank, 6);
            int axis = rnd.nextInt(rank);
            Tensor a = TestTensors.randomView(rnd, DType.F64, shape);
            IntTensor index = randomIndex(rnd, shape[axis], 1 + rnd.nextInt(8));
            int[] outShape = shape.clone();
            outShape[axis] = index.numel();
            Tensor g = TestTensors.randomView(rnd, DType.F64, outShape);
            double lhs = IndexOpsReference.dot(a.indexSelect(axis, index), g);
            double rhs = IndexOpsReference.dot(a, Tensor.zeros(DType.F64, shape).indexAddInPlace(axis, index, g));
            assertEquals(lhs, rhs, 1e-12, "trial " + trial);
        }
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
    void gatherRejectsIndexOfAnotherRank() {
        Tensor a = Tensor.zeros(3, 4);
        assertMentions(message(() -> a.gather(1, IntTensor.zeros(3))), "gather", "[3]", "[3, 4]", "rank");
    }

    @Test
    void gatherRejectsIndexLargerThanInputOffTheAxis() {
        Tensor a = Tensor.zeros(3, 4);
        assertMentions(message(() -> a.gather(1, IntTensor.zeros(4, 2))), "gather", "[4, 2]", "[3, 4]", "dimension 0");
    }

    @Test
    void gatherRejectsOutOfRangeIndexNamingValuePositionAndAxisSize() {
        Tensor a = Tensor.zeros(3, 4);
        IntTensor idx = IntTensor.of(new int[] {0, 1, 2, 4}, 2, 2);
        assertMentions(message(() -> a.gather(1, idx)), "gather", "value 4", "[1, 1]", "axis 1", "size 4");
    }

    @Test
    void gatherRejectsNegativeIndex() {
        Tensor a = Tensor.zeros(3, 4);
        assertMentions(message(() -> a.gather(0, IntTensor.of(new int[] {-1}, 1, 1))), "gather", "value -1", "size 3");
    }

    @Test
    void gatherRejectsAxisOutOfRange() {
        assertMentions(message(() -> Tensor.zeros(3, 4).gather(2, IntTensor.zeros(3, 4))), "gather", "axis 2");
    }

    @Test
    void scatterAddRejectsSrcOfAnotherShape() {
        Tensor self = Tensor.zeros(3, 4);
        assertMentions(message(() -> self.scatterAddInPlace(0, IntTensor.zeros(2, 4), Tensor.zeros(2, 3))),
                "scatterAdd", "src", "[2, 3]", "[2, 4]");
    }

    @Test
    void scatterAddRejectsDtypeMismatch() {
        Tensor self = Tensor.zeros(DType.F32, 3);
        assertMentions(message(() -> self.scatterAddInPlace(0, IntTensor.zeros(2), Tensor.zeros(DType.F64, 2))),
                "scatterAdd", "F32", "F64");
    }

    @Test
    void scatterAddRejectsBroadcastSelf() {
        Tensor self = Tensor.zeros(1, 4).expand(3, 4);
        assertMentions(message(() -> self.scatterAddInPlace(1, IntTensor.zeros(3, 4), Tensor.zeros(3, 4))),
                "scatterAdd", "stride-0");
    }

    @Test
    void scatterAddRejectsSrcSharingStorageWithSelf() {
        Tensor self = Tensor.zeros(2, 4);
        assertMentions(message(() -> self.scatterAddInPlace(1, IntTensor.zeros(1, 4), self.narrow(0, 1, 1))),
                "scatterAdd", "shares storage");
    }

    @Test
    void scatterAddWithABadIndexLeavesSelfUnchanged() {
        Tensor self = Tensor.zeros(DType.F64, 3);
        IntTensor idx = IntTensor.vector(0, 1, 3);
        assertMentions(message(() -> self.scatterAddInPlace(0, idx, Tensor.of(new double[] {1, 1, 1}, 3))),
                "scatterAdd", "value 3", "[2]", "size 3");
        assertArrayEquals(new double[] {0, 0, 0}, values(self), 0.0);
    }

    @Test
    void indexSelectRejectsIndexThatIsNotOneDimensional() {
        assertMentions(message(() -> Tensor.zeros(3, 4).indexSelect(0, IntTensor.zeros(2, 1))),
                "indexSelect", "1-D", "[2, 1]");
    }

    @Test
    void indexSelectRejectsOutOfRangeAndNegativeIds() {
        Tensor wte = Tensor.zeros(5, 2);
        assertMentions(message(() -> wte.indexSelect(0, IntTensor.vector(0, 5))), "indexSelect", "value 5", "[1]",
                "size 5");
        assertMentions(message(() -> wte.indexSelect(0, IntTensor.vector(-2))), "indexSelect", "value -2", "[0]");
    }

    @Test
    void indexAddRejectsSrcOfTheWrongShape() {
        Tensor self = Tensor.zeros(5, 2);
        assertMentions(message(() -> self.indexAddInPlace(0, IntTensor.vector(1, 2, 3), Tensor.zeros(2, 2))),
                "indexAdd", "[2, 2]", "expected [3, 2]");
    }

    @Test
    void indexAddRejectsDtypeMismatchAndBadIndex() {
        Tensor self = Tensor.zeros(DType.F64, 5, 2);
        assertMentions(message(() -> self.indexAddInPlace(0, IntTensor.vector(1), Tensor.zeros(DType.F32, 1, 2))),
                "indexAdd", "F64", "F32");
        assertMentions(message(() -> self.indexAddInPlace(0, IntTensor.vector(1, 9), Tensor.zeros(DType.F64, 2, 2))),
                "indexAdd", "value 9", "size 5");
        assertMentions(message(() -> self.indexAddInPlace(0, IntTensor.zeros(2, 1), Tensor.zeros(DType.F64, 2, 2))),
                "indexAdd", "1-D");
    }

    @Test
    void indexAddRejectsBroadcastSelf() {
        Tensor self = Tensor.zeros(5, 1).expand(5, 3);
        assertMentions(message(() -> self.indexAddInPlace(0, IntTensor.vector(1), Tensor.zeros(1, 3))),
                "indexAdd", "stride-0");
    }
}

package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.mofa4j.autograd.GradTestInputs.assertFloat32GradMatchesFloat64;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.f64;
import static org.mofa4j.autograd.GradTestInputs.gradOf;
import static org.mofa4j.autograd.GradTestInputs.indices;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 gradient checks of every op in {@link IndexFns}: several axes, non-contiguous parts, constant parts,
 * duplicated indices (whose gradients must add), and index tensors smaller than the input off the axis.
 */
class IndexFnsGradTest {

    // ---------------------------------------------------------------- concat, stack

    @Test
    void concatGradientMatchesNumeric() {
        assertGradOk("concat axis 1 of [2,3], [2,1], [2,4]", v -> IndexFns.concat(1, v[0], v[1], v[2]),
                random(1, 2, 3), random(2, 2, 1), random(3, 2, 4));
        assertGradOk("concat axis 0 of [1,3], [3,3]", v -> IndexFns.concat(0, v[0], v[1]), random(4, 1, 3),
                random(5, 3, 3));
        assertGradOk("concat axis -1 of rank 3", v -> IndexFns.concat(-1, v[0], v[1]), random(6, 2, 2, 3),
                random(7, 2, 2, 2));
        assertGradOk("concat of one part", v -> IndexFns.concat(0, v[0]), random(8, 3, 2));
    }

    @Test
    void concatGradientMatchesNumericForNonContiguousParts() {
        assertGradOk("concat axis 0 of transposed and strided", v -> IndexFns.concat(0, v[0], v[1]),
                transposed(random(9, 2, 4)), strided(random(10, 3, 4)));
        assertGradOk("concat axis 1 of strided and transposed", v -> IndexFns.concat(1, v[0], v[1]),
                strided(random(11, 3, 2)), transposed(random(12, 3, 5)));
    }

    @Test
    void concatOfOneVariableWithItselfSumsBothGradients() {
        assertGradOk("concat(x, x, x)", v -> IndexFns.concat(1, v[0], v[0], v[0]), random(13, 2, 3));
    }

    @Test
    void concatLeavesConstantPartsWithoutGradient() {
        Tensor fixed = random(14, 2, 2);
        assertGradOk("concat(x, constant, y)", v -> IndexFns.concat(1, v[0], Variable.constant(fixed), v[1]),
                random(15, 2, 3), random(16, 2, 1));
        Variable x = Variable.parameter(f64(new double[] {1, 2}, 2));
        Variable c = Variable.constant(f64(new double[] {3}, 1));
        Tensor g = gradOf(x, IndexFns.concat(0, c, x), f64(new double[] {10, 20, 30}, 3));
        assertArrayEquals(new double[] {20, 30}, g.toDoubleArray(), 0.0);
        assertNull(c.grad());
    }

    @Test
    void stackGradientMatchesNumeric() {
        for (int axis : new int[] {0, 1, 2, -1, -3}) {
            assertGradOk("stack axis " + axis, v -> IndexFns.stack(axis, v[0], v[1], v[2]),
                    random(17, 2, 3), random(18, 2, 3), random(19, 2, 3));
        }
        assertGradOk("stack non-contiguous", v -> IndexFns.stack(1, v[0], v[1]),
                transposed(random(20, 3, 4)), strided(random(21, 3, 4)));
        assertGradOk("stack of rank 0", v -> IndexFns.stack(0, v[0], v[1]), random(22), random(23));
        assertGradOk("stack(x, x)", v -> IndexFns.stack(0, v[0], v[0]), random(24, 3));
    }

    // ---------------------------------------------------------------- split

    @Test
    void splitGradientMatchesNumericWhenEveryPieceIsUsedDifferently() {
        assertGradOk("split axis 1 into [1, 2, 3]", v -> {
            Variable[] p = IndexFns.split(v[0], 1, 1, 2, 3);
            // distinct uses per piece, so a gradient routed to the wrong piece shows up
            return IndexFns.concat(1, ElementwiseFns.mul(p[2], 3), ElementwiseFns.square(p[0]),
                    ElementwiseFns.exp(p[1]));
        }, random(25, 2, 6));
        assertGradOk("split axis -1 of transposed", v -> {
            Variable[] p = IndexFns.split(v[0], -1, 2, 2);
            return ElementwiseFns.mul(p[0], p[1]);
        }, transposed(random(26, 3, 4)));
    }

    @Test
    void splitGradientMatchesNumericWhenSomePiecesAreUnusedOrEmpty() {
        assertGradOk("split axis 0 into [2, 0, 1], only piece 2 used", v -> {
            Variable[] p = IndexFns.split(v[0], 0, 2, 0, 1);
            return ElementwiseFns.tanh(p[2]);
        }, random(27, 3, 4));
        Variable x = Variable.parameter(f64(new double[] {1, 2, 3, 4}, 4));
        Variable[] p = IndexFns.split(x, 0, 1, 3);
        Tensor g = gradOf(x, p[1], f64(new double[] {5, 6, 7}, 3));
        assertArrayEquals(new double[] {0, 5, 6, 7}, g.toDoubleArray(), 0.0);
    }

    // ---------------------------------------------------------------- gather

    @Test
    void gatherGradientMatchesNumericOnEachAxis() {
        // [3,4] gathered with an index of shape [5,4] along 0 (values repeat) and [3,6] along 1
        assertGradOk("gather axis 0", v -> IndexFns.gather(v[0], 0, indices(28, 3, 5, 4)), random(29, 3, 4));
        assertGradOk("gather axis 1", v -> IndexFns.gather(v[0], 1, indices(30, 4, 3, 6)), random(31, 3, 4));
        assertGradOk("gather axis -1 of rank 3", v -> IndexFns.gather(v[0], -1, indices(32, 4, 2, 3, 2)),
                random(33, 2, 3, 4));
    }

    @Test
    void gatherGradientMatchesNumericWhenTheIndexIsSmallerOffTheAxis() {
        // index [2,2] into x [3,4] along axis 1: rows 2 and columns 2..3 of x are never read
        assertGradOk("gather with a smaller index",
                v -> IndexFns.gather(v[0], 1, IntTensor.of(new int[] {3, 0, 1, 1}, 2, 2)),
                random(34, 3, 4));
    }

    @Test
    void gatherGradientMatchesNumericForNonContiguousInputs() {
        assertGradOk("gather axis 0 of transposed", v -> IndexFns.gather(v[0], 0, indices(35, 3, 4, 4)),
                transposed(random(36, 3, 4)));
        assertGradOk("gather axis 1 of strided", v -> IndexFns.gather(v[0], 1, indices(37, 5, 3, 2)),
                strided(random(38, 3, 5)));
    }

    @Test
    void gatherSendsTheSumOfGradientsToARepeatedIndex() {
        // cross-entropy style pick: row i takes column target[i]; row 1 picks column 2 twice
        Variable x = Variable.parameter(Tensor.zeros(DType.F64, 2, 3));
        IntTensor index = IntTensor.of(new int[] {0, 2, 2, 2}, 2, 2);
        Tensor g = gradOf(x, IndexFns.gather(x, 1, index), f64(new double[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new double[] {1, 0, 2, 0, 0, 7}, g.toDoubleArray(), 0.0);
    }

    // ---------------------------------------------------------------- indexSelect

    @Test
    void indexSelectGradientMatchesNumericOnEachAxis() {
        assertGradOk("indexSelect axis 0 (embedding lookup)",
                v -> IndexFns.indexSelect(v[0], 0, IntTensor.vector(4, 0, 4, 2, 4, 1)), random(39, 5, 3));
        assertGradOk("indexSelect axis 1", v -> IndexFns.indexSelect(v[0], 1, IntTensor.vector(2, 2, 0)),
                random(40, 2, 3, 2));
        assertGradOk("indexSelect axis -1", v -> IndexFns.indexSelect(v[0], -1, IntTensor.vector(1)), random(41, 2, 3));
    }

    @Test
    void indexSelectGradientMatchesNumericForNonContiguousInputs() {
        assertGradOk("indexSelect axis 0 of transposed", v -> IndexFns.indexSelect(v[0], 0, IntTensor.vector(3, 1, 3)),
                transposed(random(42, 4, 3)));
        assertGradOk("indexSelect axis 1 of strided", v -> IndexFns.indexSelect(v[0], 1, IntTensor.vector(0, 4, 4, 2)),
                strided(random(43, 3, 5)));
    }

    @Test
    void indexSelectSendsTheSumOfGradientsToARepeatedIndex() {
        Variable table = Variable.parameter(Tensor.zeros(DType.F64, 3, 2));
        Tensor g = gradOf(table, IndexFns.indexSelect(table, 0, IntTensor.vector(1, 1, 1)),
                f64(new double[] {1, 10, 2, 20, 3, 30}, 3, 2));
        assertArrayEquals(new double[] {0, 0, 6, 60, 0, 0}, g.toDoubleArray(), 0.0);
    }

    @Test
    void indexingBackwardsAcceptAnExpandedIncomingGradient() {
        // sum's backward hands each of these a stride-0 gradient
        assertGradOk("sum(gather)", v -> ReduceFns.sum(IndexFns.gather(v[0], 1, indices(44, 4, 3, 5))),
                random(45, 3, 4));
        assertGradOk("sum(indexSelect)", v -> ReduceFns.sum(IndexFns.indexSelect(v[0], 0, IntTensor.vector(2, 0, 2))),
                random(46, 3, 4));
        assertGradOk("mean(concat)", v -> ReduceFns.mean(IndexFns.concat(0, v[0], v[1]), new int[] {1}, false),
                random(47, 2, 3), random(48, 1, 3));
        assertGradOk("sum(stack)", v -> ReduceFns.sum(IndexFns.stack(1, v[0], v[1])), random(49, 3), random(50, 3));
    }

    @Test
    void float32GradientsAgreeWithFloat64() {
        assertFloat32GradMatchesFloat64("gather", v -> IndexFns.gather(v, 0, indices(51, 3, 4, 4)), random(52, 3, 4));
        assertFloat32GradMatchesFloat64("indexSelect", v -> IndexFns.indexSelect(v, 1, IntTensor.vector(3, 3, 0)),
                random(53, 3, 4));
        assertFloat32GradMatchesFloat64("concat", v -> IndexFns.concat(1, v, v), random(54, 3, 4));
        assertFloat32GradMatchesFloat64("stack", v -> IndexFns.stack(0, v, v), random(55, 3, 4));
        assertFloat32GradMatchesFloat64("split", v -> IndexFns.split(v, 1, 1, 3)[1], random(56, 3, 4));
    }

    @Test
    void laterWritesToTheIndexDoNotChangeTheGradient() {
        Variable x = Variable.parameter(Tensor.zeros(DType.F64, 3));
        IntTensor index = IntTensor.vector(0, 1);
        Variable y = IndexFns.indexSelect(x, 0, index);
        index.data()[0] = 2;
        Tensor g = gradOf(x, y, f64(new double[] {5, 7}, 2));
        assertArrayEquals(new double[] {5, 7, 0}, g.toDoubleArray(), 0.0);
        assertEquals(2, index.get(0));
    }
}

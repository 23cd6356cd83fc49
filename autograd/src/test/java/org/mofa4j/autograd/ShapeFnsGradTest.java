package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertFloat32GradMatchesFloat64;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.f64;
import static org.mofa4j.autograd.GradTestInputs.gradOf;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 gradient checks of every op in {@link ShapeFns}, on contiguous and non-contiguous inputs, with negative
 * axes, and on cubic shapes where a wrong axis order would still produce the right gradient shape.
 */
class ShapeFnsGradTest {

    // ---------------------------------------------------------------- reshapes

    @Test
    void reshapeGradientMatchesNumeric() {
        assertGradOk("reshape [2,3,4] → [6,-1]", v -> ShapeFns.reshape(v[0], 6, -1), random(1, 2, 3, 4));
        assertGradOk("reshape transposed (copying path)", v -> ShapeFns.reshape(v[0], 12, 2),
                transposed(random(2, 2, 3, 4)));
        assertGradOk("reshape [] → [1,1]", v -> ShapeFns.reshape(v[0], 1, 1), random(3));
        assertGradOk("reshape [3,4] → [4,3] (same rank, different layout)", v -> ShapeFns.reshape(v[0], 4, 3),
                random(4, 3, 4));
    }

    @Test
    void viewGradientMatchesNumeric() {
        assertGradOk("view [2,3,4] → [4,6]", v -> ShapeFns.view(v[0], 4, 6), random(5, 2, 3, 4));
        // a strided input whose merged axes stay viewable: split the leading axis only
        assertGradOk("view strided [6,4] → [2,3,4]", v -> ShapeFns.view(v[0], 2, 3, 4), strided(random(6, 6, 4)));
    }

    @Test
    void viewGradientIsCorrectWhenTheIncomingGradientIsExpanded() {
        // sum's backward hands view a stride-0 gradient, which cannot itself be viewed as the input's shape
        assertGradOk("sum(view(x))", v -> ReduceFns.sum(ShapeFns.view(v[0], 4, 6), new int[] {0}, false),
                random(7, 2, 3, 4));
    }

    @Test
    void flattenGradientMatchesNumeric() {
        assertGradOk("flatten [2,3,4]", v -> ShapeFns.flatten(v[0]), random(8, 2, 3, 4));
        assertGradOk("flatten transposed", v -> ShapeFns.flatten(v[0]), transposed(random(9, 2, 3, 4)));
        assertGradOk("flatten []", v -> ShapeFns.flatten(v[0]), random(10));
    }

    @Test
    void squeezeGradientMatchesNumeric() {
        assertGradOk("squeeze [3,1,4,1]", v -> ShapeFns.squeeze(v[0]), random(11, 3, 1, 4, 1));
        assertGradOk("squeeze axis 1", v -> ShapeFns.squeeze(v[0], 1), random(12, 3, 1, 4, 1));
        assertGradOk("squeeze axis -1", v -> ShapeFns.squeeze(v[0], -1), random(13, 3, 1, 4, 1));
        assertGradOk("squeeze strided [3,1,4]", v -> ShapeFns.squeeze(v[0]), strided(random(14, 3, 1, 4)));
    }

    @Test
    void unsqueezeGradientMatchesNumeric() {
        for (int axis : new int[] {0, 1, 2, -1, -3}) {
            assertGradOk("unsqueeze axis " + axis, v -> ShapeFns.unsqueeze(v[0], axis), random(15, 3, 4));
            assertGradOk("unsqueeze transposed axis " + axis, v -> ShapeFns.unsqueeze(v[0], axis),
                    transposed(random(16, 3, 4)));
        }
        assertGradOk("unsqueeze []", v -> ShapeFns.unsqueeze(v[0], 0), random(17));
    }

    @Test
    void contiguousGradientMatchesNumeric() {
        assertGradOk("contiguous of contiguous (identity)", v -> ShapeFns.contiguous(v[0]), random(18, 3, 4));
        assertGradOk("contiguous of transposed (copy)", v -> ShapeFns.contiguous(v[0]), transposed(random(19, 3, 4)));
        assertGradOk("contiguous of strided (copy)", v -> ShapeFns.contiguous(v[0]), strided(random(20, 3, 4)));
    }

    // ---------------------------------------------------------------- axis orders

    @Test
    void transposeGradientMatchesNumeric() {
        assertGradOk("transpose(0, 2)", v -> ShapeFns.transpose(v[0], 0, 2), random(21, 2, 3, 4));
        assertGradOk("transpose(-1, -2)", v -> ShapeFns.transpose(v[0], -1, -2), random(22, 2, 3, 4));
        assertGradOk("transpose of transposed", v -> ShapeFns.transpose(v[0], 0, 1), transposed(random(23, 2, 3, 4)));
        assertGradOk("transpose(1, 2) of a cube", v -> ShapeFns.transpose(v[0], 1, 2), random(24, 3, 3, 3));
        assertGradOk("t [3,4]", v -> ShapeFns.t(v[0]), random(25, 3, 4));
        assertGradOk("t strided [2,3,4]", v -> ShapeFns.t(v[0]), strided(random(26, 2, 3, 4)));
    }

    @Test
    void permuteGradientMatchesNumeric() {
        assertGradOk("permute(1, 2, 0)", v -> ShapeFns.permute(v[0], 1, 2, 0), random(27, 2, 3, 4));
        assertGradOk("permute(2, 0, 1)", v -> ShapeFns.permute(v[0], 2, 0, 1), random(28, 2, 3, 4));
        assertGradOk("permute(-1, 0, -2)", v -> ShapeFns.permute(v[0], -1, 0, -2), transposed(random(29, 2, 3, 4)));
        // on a cube the gradient has the input's shape even with the wrong inverse: only the values catch it
        assertGradOk("permute(1, 2, 0) of a cube", v -> ShapeFns.permute(v[0], 1, 2, 0), random(30, 3, 3, 3));
        assertGradOk("permute(1, 2, 3, 0)", v -> ShapeFns.permute(v[0], 1, 2, 3, 0), random(31, 2, 2, 2, 2));
    }

    // ---------------------------------------------------------------- sub-views

    @Test
    void narrowGradientMatchesNumeric() {
        assertGradOk("narrow axis 1 [1, 3)", v -> ShapeFns.narrow(v[0], 1, 1, 2), random(32, 3, 4));
        assertGradOk("narrow axis -1", v -> ShapeFns.narrow(v[0], -1, 0, 3), random(33, 2, 3, 4));
        assertGradOk("narrow axis 0 of transposed", v -> ShapeFns.narrow(v[0], 0, 2, 2), transposed(random(34, 5, 3)));
        assertGradOk("narrow whole axis", v -> ShapeFns.narrow(v[0], 0, 0, 3), strided(random(35, 3, 4)));
        assertGradOk("narrow to length 0", v -> ShapeFns.narrow(v[0], 1, 2, 0), random(36, 3, 4));
    }

    @Test
    void sliceGradientMatchesNumeric() {
        assertGradOk("slice axis 1 [1:6:2]", v -> ShapeFns.slice(v[0], 1, 1, 6, 2), random(37, 3, 7));
        assertGradOk("slice axis -1 [-5:100:3]", v -> ShapeFns.slice(v[0], -1, -5, 100, 3), random(38, 3, 7));
        assertGradOk("slice axis 0 [0:3:1]", v -> ShapeFns.slice(v[0], 0, 0, 3, 1), random(39, 5, 2));
        assertGradOk("slice of strided", v -> ShapeFns.slice(v[0], 1, 0, 7, 2), strided(random(40, 3, 7)));
        assertGradOk("slice of transposed", v -> ShapeFns.slice(v[0], 0, 1, 5, 3), transposed(random(41, 5, 3)));
    }

    @Test
    void selectGradientMatchesNumeric() {
        assertGradOk("select axis 0 index 1", v -> ShapeFns.select(v[0], 0, 1), random(42, 3, 4));
        assertGradOk("select axis -1 index -1", v -> ShapeFns.select(v[0], -1, -1), random(43, 2, 3, 4));
        assertGradOk("select of rank 1 → []", v -> ShapeFns.select(v[0], 0, 2), random(44, 5));
        assertGradOk("select of transposed", v -> ShapeFns.select(v[0], 1, 0), transposed(random(45, 2, 3, 4)));
    }

    @Test
    void overlappingViewsOfOneInputSumTheirGradients() {
        // rows [0, 3) and [1, 4) of x overlap in rows 1 and 2
        assertGradOk("narrow + narrow (overlapping)", v -> ElementwiseFns.mul(
                ShapeFns.narrow(v[0], 0, 0, 3), ShapeFns.narrow(v[0], 0, 1, 3)), random(46, 4, 3));
        assertGradOk("x + xᵀ", v -> ElementwiseFns.add(v[0], ShapeFns.t(v[0])), random(47, 3, 3));
    }

    @Test
    void sliceGradientIsZeroBetweenTheTakenPositions() {
        Variable x = Variable.parameter(f64(new double[] {1, 2, 3, 4, 5, 6}, 6));
        Tensor g = gradOf(x, ShapeFns.slice(x, 0, 1, 6, 2), f64(new double[] {10, 20, 30}, 3));
        assertArrayEquals(new double[] {0, 10, 0, 20, 0, 30}, g.toDoubleArray(), 0.0);
    }

    // ---------------------------------------------------------------- broadcasting

    @Test
    void expandGradientMatchesNumeric() {
        assertGradOk("expand [3,1] → [2,3,4]", v -> ShapeFns.expand(v[0], 2, 3, 4), random(48, 3, 1));
        assertGradOk("expand [] → [2,3]", v -> ShapeFns.expand(v[0], 2, 3), random(49));
        assertGradOk("expand [4] → [3,-1]", v -> ShapeFns.expand(v[0], 3, -1), random(50, 4));
        assertGradOk("expand strided [3,1,4] → [3,2,4]", v -> ShapeFns.expand(v[0], 3, 2, 4),
                strided(random(51, 3, 1, 4)));
        assertGradOk("expand to the same shape", v -> ShapeFns.expand(v[0], 3, 4), random(52, 3, 4));
    }

    @Test
    void expandGradientSumsOverEveryCopy() {
        Variable x = Variable.parameter(f64(new double[] {1, 2}, 2, 1));
        Tensor g = gradOf(x, ShapeFns.expand(x, 3, 2, 2), Tensor.ones(DType.F64, 3, 2, 2));
        assertArrayEquals(new double[] {6, 6}, g.toDoubleArray(), 0.0);
    }

    @Test
    void shapeBackwardsAcceptAnExpandedIncomingGradient() {
        // sum's backward hands each of these a stride-0 gradient
        assertGradOk("sum(narrow)", v -> ReduceFns.sum(ShapeFns.narrow(v[0], 1, 1, 2)), random(54, 3, 4));
        assertGradOk("sum(slice)", v -> ReduceFns.sum(ShapeFns.slice(v[0], 0, 0, 5, 2), new int[] {1}, false),
                random(55, 5, 3));
        assertGradOk("sum(select)", v -> ReduceFns.sum(ShapeFns.select(v[0], 1, 2)), random(56, 3, 4));
        assertGradOk("sum(permute)", v -> ReduceFns.sum(ShapeFns.permute(v[0], 2, 0, 1), new int[] {0}, false),
                random(57, 2, 3, 4));
        assertGradOk("sum(expand)", v -> ReduceFns.sum(ShapeFns.expand(v[0], 2, 3, 4), new int[] {2}, false),
                random(58, 3, 1));
        assertGradOk("sum(reshape(transposed))", v -> ReduceFns.sum(ShapeFns.reshape(v[0], 12)),
                transposed(random(59, 3, 4)));
    }

    @Test
    void float32GradientsAgreeWithFloat64() {
        assertFloat32GradMatchesFloat64("narrow", v -> ShapeFns.narrow(v, 1, 1, 2), random(60, 3, 4));
        assertFloat32GradMatchesFloat64("slice", v -> ShapeFns.slice(v, 1, 0, 4, 3), random(61, 3, 4));
        assertFloat32GradMatchesFloat64("select", v -> ShapeFns.select(v, 0, 2), random(62, 3, 4));
        assertFloat32GradMatchesFloat64("expand", v -> ShapeFns.expand(v, 2, 3, 4), random(63, 3, 1));
        assertFloat32GradMatchesFloat64("permute", v -> ShapeFns.permute(v, 1, 0), random(64, 3, 4));
    }

    @Test
    void viewOpsShareStorageWithTheirInput() {
        Tensor x = random(53, 2, 3, 4);
        Variable v = Variable.parameter(x);
        for (Variable out : new Variable[] {ShapeFns.view(v, 6, 4), ShapeFns.transpose(v, 0, 1),
                ShapeFns.permute(v, 2, 0, 1), ShapeFns.narrow(v, 1, 1, 1), ShapeFns.slice(v, 2, 0, 4, 2),
                ShapeFns.select(v, 0, 1), ShapeFns.expand(ShapeFns.unsqueeze(v, 0), 2, 2, 3, 4)}) {
            assertTrue(out.value().sharesStorage(x), out.gradFn().opName());
        }
    }
}

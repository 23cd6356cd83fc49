package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.mofa4j.autograd.GradTestInputs.assertFloat32GradMatchesFloat64;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.distinct;
import static org.mofa4j.autograd.GradTestInputs.f64;
import static org.mofa4j.autograd.GradTestInputs.gradOf;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 gradient checks of every op in {@link ReduceFns} over many axis sets, with and without keepDim, on
 * contiguous, transposed and strided inputs, plus the exact tie rule of max and min.
 */
class ReduceFnsGradTest {

    /** Axis sets for a rank-3 input: all (empty), single, negative, pairs, every axis listed. */
    static final List<int[]> AXES = List.of(
            new int[] {}, new int[] {0}, new int[] {1}, new int[] {2}, new int[] {-1},
            new int[] {0, 2}, new int[] {-3, -2}, new int[] {2, 1}, new int[] {0, 1, 2});

    static Stream<Arguments> axesAndKeepDim() {
        return AXES.stream().flatMap(a -> Stream.of(
                Arguments.of(Arrays.toString(a), a, false), Arguments.of(Arrays.toString(a), a, true)));
    }

    private static String label(String op, int[] axes, boolean keepDim) {
        return op + " axes " + Arrays.toString(axes) + (keepDim ? " keepDim" : "");
    }

    // ---------------------------------------------------------------- every op over every axis set

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void sumGradientMatchesNumeric(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("sum", axes, keepDim), v -> ReduceFns.sum(v[0], axes, keepDim), random(1, 2, 3, 4));
    }

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void meanGradientMatchesNumeric(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("mean", axes, keepDim), v -> ReduceFns.mean(v[0], axes, keepDim), random(2, 2, 3, 4));
    }

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void maxGradientMatchesNumericWithoutTies(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("max", axes, keepDim), v -> ReduceFns.max(v[0], axes, keepDim), distinct(3, 2, 3, 4));
    }

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void minGradientMatchesNumericWithoutTies(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("min", axes, keepDim), v -> ReduceFns.min(v[0], axes, keepDim), distinct(4, 2, 3, 4));
    }

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void varGradientMatchesNumericForCorrections0And1(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("var c=0", axes, keepDim), v -> ReduceFns.var(v[0], axes, keepDim, 0), random(5, 2, 3, 4));
        assertGradOk(label("var c=1", axes, keepDim), v -> ReduceFns.var(v[0], axes, keepDim, 1), random(6, 2, 3, 4));
    }

    @ParameterizedTest(name = "axes {0}, keepDim {2}")
    @MethodSource("axesAndKeepDim")
    void logsumexpGradientMatchesNumeric(String name, int[] axes, boolean keepDim) {
        assertGradOk(label("logsumexp", axes, keepDim), v -> ReduceFns.logsumexp(v[0], axes, keepDim),
                random(7, 2, 3, 4).mul(3));
    }

    // ---------------------------------------------------------------- non-contiguous inputs

    @Test
    void reductionsOfTransposedInputsMatchNumeric() {
        for (int[] axes : List.of(new int[] {}, new int[] {1}, new int[] {2}, new int[] {0, 2})) {
            for (boolean keep : new boolean[] {false, true}) {
                assertGradOk(label("sum transposed", axes, keep), v -> ReduceFns.sum(v[0], axes, keep),
                        transposed(random(20, 2, 3, 4)));
                assertGradOk(label("mean transposed", axes, keep), v -> ReduceFns.mean(v[0], axes, keep),
                        transposed(random(21, 2, 3, 4)));
                assertGradOk(label("max transposed", axes, keep), v -> ReduceFns.max(v[0], axes, keep),
                        transposed(distinct(22, 2, 3, 4)));
                assertGradOk(label("min transposed", axes, keep), v -> ReduceFns.min(v[0], axes, keep),
                        transposed(distinct(23, 2, 3, 4)));
                assertGradOk(label("var transposed", axes, keep), v -> ReduceFns.var(v[0], axes, keep, 1),
                        transposed(random(24, 2, 3, 4)));
                assertGradOk(label("logsumexp transposed", axes, keep), v -> ReduceFns.logsumexp(v[0], axes, keep),
                        transposed(random(25, 2, 3, 4)));
            }
        }
    }

    @Test
    void reductionsOfStridedInputsMatchNumeric() {
        for (int[] axes : List.of(new int[] {}, new int[] {0}, new int[] {-1}, new int[] {0, 1})) {
            for (boolean keep : new boolean[] {false, true}) {
                assertGradOk(label("sum strided", axes, keep), v -> ReduceFns.sum(v[0], axes, keep),
                        strided(random(30, 2, 3, 4)));
                assertGradOk(label("mean strided", axes, keep), v -> ReduceFns.mean(v[0], axes, keep),
                        strided(random(31, 2, 3, 4)));
                assertGradOk(label("max strided", axes, keep), v -> ReduceFns.max(v[0], axes, keep),
                        strided(distinct(32, 2, 3, 4)));
                assertGradOk(label("min strided", axes, keep), v -> ReduceFns.min(v[0], axes, keep),
                        strided(distinct(33, 2, 3, 4)));
                assertGradOk(label("var strided", axes, keep), v -> ReduceFns.var(v[0], axes, keep, 0),
                        strided(random(34, 2, 3, 4)));
                assertGradOk(label("logsumexp strided", axes, keep), v -> ReduceFns.logsumexp(v[0], axes, keep),
                        strided(random(35, 2, 3, 4)));
            }
        }
    }

    // ---------------------------------------------------------------- size-1 axes, rank 0, all-axes overloads

    @Test
    void reductionsOverSizeOneAxesMatchNumeric() {
        int[][] axesList = {{1}, {0, 1}, {1, 2}};
        for (int[] axes : axesList) {
            for (boolean keep : new boolean[] {false, true}) {
                assertGradOk(label("sum [3,1,4]", axes, keep), v -> ReduceFns.sum(v[0], axes, keep),
                        random(40, 3, 1, 4));
                assertGradOk(label("max [3,1,4]", axes, keep), v -> ReduceFns.max(v[0], axes, keep),
                        distinct(41, 3, 1, 4));
                assertGradOk(label("var [3,1,4]", axes, keep), v -> ReduceFns.var(v[0], axes, keep, 0),
                        random(42, 3, 1, 4));
                assertGradOk(label("logsumexp [3,1,4]", axes, keep), v -> ReduceFns.logsumexp(v[0], axes, keep),
                        random(43, 3, 1, 4));
            }
        }
    }

    @Test
    void reductionsOfARankZeroInputMatchNumeric() {
        assertGradOk("sum []", v -> ReduceFns.sum(v[0]), random(50));
        assertGradOk("mean []", v -> ReduceFns.mean(v[0]), random(51));
        assertGradOk("max []", v -> ReduceFns.max(v[0]), random(52));
        assertGradOk("min []", v -> ReduceFns.min(v[0]), random(53));
        assertGradOk("logsumexp []", v -> ReduceFns.logsumexp(v[0]), random(54));
        assertGradOk("sum [] keepDim", v -> ReduceFns.sum(v[0], new int[0], true), random(55));
    }

    @Test
    void allAxesOverloadsMatchNumeric() {
        assertGradOk("sum(x)", v -> ReduceFns.sum(v[0]), random(60, 3, 4));
        assertGradOk("mean(x)", v -> ReduceFns.mean(v[0]), random(61, 3, 4));
        assertGradOk("max(x)", v -> ReduceFns.max(v[0]), distinct(62, 3, 4));
        assertGradOk("min(x)", v -> ReduceFns.min(v[0]), distinct(63, 3, 4));
        assertGradOk("var(x)", v -> ReduceFns.var(v[0]), random(64, 3, 4));
        assertGradOk("logsumexp(x)", v -> ReduceFns.logsumexp(v[0]), random(65, 3, 4));
    }

    @Test
    void varWithLargerCorrectionMatchesNumeric() {
        assertGradOk("var c=2", v -> ReduceFns.var(v[0], new int[] {1}, false, 2), random(66, 3, 5));
    }

    @Test
    void reductionsComposeWithBroadcastingElementwiseOps() {
        // (x − mean(x, axis 1)) / sqrt(var(x, axis 1) + ε): a layer norm built from primitives
        assertGradOk("layer norm from primitives", v -> {
            int[] last = {1};
            Variable centred = ElementwiseFns.sub(v[0], ReduceFns.mean(v[0], last, true));
            Variable std = ElementwiseFns.sqrt(ElementwiseFns.add(ReduceFns.var(v[0], last, true, 0), 1e-5));
            return ElementwiseFns.div(centred, std);
        }, random(67, 3, 5));
    }

    @Test
    void float32GradientsAgreeWithFloat64() {
        int[] axes = {1};
        assertFloat32GradMatchesFloat64("sum", v -> ReduceFns.sum(v, axes, false), random(70, 3, 4));
        assertFloat32GradMatchesFloat64("mean", v -> ReduceFns.mean(v, axes, true), random(71, 3, 4));
        assertFloat32GradMatchesFloat64("max", v -> ReduceFns.max(v, axes, false), distinct(72, 3, 4));
        assertFloat32GradMatchesFloat64("min", v -> ReduceFns.min(v), distinct(73, 3, 4));
        assertFloat32GradMatchesFloat64("var", v -> ReduceFns.var(v, axes, false, 1), random(74, 3, 4));
        assertFloat32GradMatchesFloat64("logsumexp", v -> ReduceFns.logsumexp(v, axes, false), random(75, 3, 4));
        // wide enough ([6, 16], 16 contiguous kept columns) for the float32 column-reduction kernels
        int[] rows = {0};
        assertFloat32GradMatchesFloat64("mean over rows [6,16]", v -> ReduceFns.mean(v, rows, false),
                random(78, 6, 16));
        assertFloat32GradMatchesFloat64("var over rows [6,16]", v -> ReduceFns.var(v, rows, true, 0),
                random(79, 6, 16));
        assertFloat32GradMatchesFloat64("max over rows [6,16]", v -> ReduceFns.max(v, rows, false),
                distinct(80, 6, 16));
    }

    // ---------------------------------------------------------------- the documented tie rule, exactly

    @Test
    void maxSplitsTheGradientEquallyAmongTiedMaxima() {
        Variable x = Variable.parameter(f64(new double[] {1, 3, 3, 2, 2, 2}, 2, 3));
        Tensor g = gradOf(x, ReduceFns.max(x, new int[] {1}, false), f64(new double[] {1, 6}, 2));
        assertArrayEquals(new double[] {0, 0.5, 0.5, 2, 2, 2}, g.toDoubleArray(), 0.0);
    }

    @Test
    void maxWithKeepDimSplitsTheGradientEquallyAmongTiedMaxima() {
        Variable x = Variable.parameter(f64(new double[] {4, 1, 4, 2, 4, 0}, 3, 2));
        // over axis 0: column 0 is (4, 4, 4), column 1 is (1, 2, 0)
        Tensor g = gradOf(x, ReduceFns.max(x, new int[] {0}, true), f64(new double[] {3, 5}, 1, 2));
        assertArrayEquals(new double[] {1, 0, 1, 5, 1, 0}, g.toDoubleArray(), 0.0);
    }

    @Test
    void maxOverAllAxesSplitsTheGradientAmongTiesAcrossRows() {
        Variable x = Variable.parameter(f64(new double[] {1, 3, 3, 0}, 2, 2));
        Tensor g = gradOf(x, ReduceFns.max(x), Tensor.scalar(DType.F64, 1));
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, g.toDoubleArray(), 0.0);
    }

    @Test
    void minSplitsTheGradientEquallyAmongTiedMinima() {
        Variable x = Variable.parameter(f64(new double[] {-1, 5, -1, -1, 0, 7, 0, 0}, 2, 4));
        Tensor g = gradOf(x, ReduceFns.min(x, new int[] {-1}, false), f64(new double[] {3, 1}, 2));
        assertArrayEquals(new double[] {1, 0, 1, 1, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3}, g.toDoubleArray(), 1e-15);
    }

    @Test
    void maxGradientGoesEntirelyToAUniqueMaximum() {
        Variable x = Variable.parameter(f64(new double[] {0.5, -2, 9, 1}, 4));
        Tensor g = gradOf(x, ReduceFns.max(x), Tensor.scalar(DType.F64, 2));
        assertArrayEquals(new double[] {0, 0, 2, 0}, g.toDoubleArray(), 0.0);
    }
}

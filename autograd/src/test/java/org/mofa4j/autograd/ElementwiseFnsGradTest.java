package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mofa4j.autograd.GradTestInputs.assertFloat32GradMatchesFloat64;
import static org.mofa4j.autograd.GradTestInputs.assertGradFails;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.distinct;
import static org.mofa4j.autograd.GradTestInputs.f64;
import static org.mofa4j.autograd.GradTestInputs.gradOf;
import static org.mofa4j.autograd.GradTestInputs.positive;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.GradTestInputs.uniform;

import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 gradient checks of every op in {@link ElementwiseFns}: equal shapes, broadcasting pairs, non-contiguous
 * inputs, the documented rules at ties and kinks, and proof that the check rejects wrong backward rules.
 */
class ElementwiseFnsGradTest {

    /** A binary op with the input ranges on which it is smooth. */
    record Binary(String name, BinaryOperator<Variable> op, double aLo, double aHi, double bLo, double bHi) {
        Tensor a(long seed, int... shape) {
            return uniform(seed, aLo, aHi, shape);
        }

        Tensor b(long seed, int... shape) {
            return uniform(seed, bLo, bHi, shape);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A unary op with an input generator that keeps it away from kinks and singularities. */
    record Unary(String name, UnaryOperator<Variable> op, Input input) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Input {
        Tensor make(long seed, int... shape);
    }

    static final List<Binary> BINARY = List.of(
            new Binary("add", ElementwiseFns::add, -1, 1, -1, 1),
            new Binary("sub", ElementwiseFns::sub, -1, 1, -1, 1),
            new Binary("mul", ElementwiseFns::mul, -1, 1, -1, 1),
            new Binary("div", ElementwiseFns::div, -1, 1, 0.5, 2),
            new Binary("pow", ElementwiseFns::pow, 0.5, 2, -1.5, 1.5),
            // independent continuous draws: ties (|a − b| ≲ 1e-6) do not occur for these fixed seeds
            new Binary("maximum", ElementwiseFns::maximum, -1, 1, -1, 1),
            new Binary("minimum", ElementwiseFns::minimum, -1, 1, -1, 1));

    static final List<Unary> UNARY = List.of(
            new Unary("neg", ElementwiseFns::neg, GradTestInputs::random),
            new Unary("exp", ElementwiseFns::exp, GradTestInputs::random),
            new Unary("log", ElementwiseFns::log, GradTestInputs::positive),
            new Unary("sqrt", ElementwiseFns::sqrt, GradTestInputs::positive),
            new Unary("rsqrt", ElementwiseFns::rsqrt, GradTestInputs::positive),
            new Unary("tanh", ElementwiseFns::tanh, GradTestInputs::random),
            new Unary("abs", ElementwiseFns::abs, GradTestInputs::distinct),
            new Unary("square", ElementwiseFns::square, GradTestInputs::random),
            new Unary("sigmoid", ElementwiseFns::sigmoid, GradTestInputs::random),
            new Unary("clamp(-0.5, 0.5)", x -> ElementwiseFns.clamp(x, -0.5, 0.5), GradTestInputs::distinct),
            new Unary("pow(x, 2)", x -> ElementwiseFns.pow(x, 2), GradTestInputs::random),
            new Unary("pow(x, 3)", x -> ElementwiseFns.pow(x, 3), GradTestInputs::random),
            new Unary("pow(x, 0.5)", x -> ElementwiseFns.pow(x, 0.5), GradTestInputs::positive),
            new Unary("pow(x, -1.5)", x -> ElementwiseFns.pow(x, -1.5), GradTestInputs::positive),
            new Unary("add(x, 0.7)", x -> ElementwiseFns.add(x, 0.7), GradTestInputs::random),
            new Unary("mul(x, -1.3)", x -> ElementwiseFns.mul(x, -1.3), GradTestInputs::random));

    /** Shape pairs (a, b): equal, and every broadcasting pattern (missing leading axes, size 1, rank 0). */
    static final List<int[][]> SHAPE_PAIRS = List.of(
            new int[][] {{2, 3}, {2, 3}},
            new int[][] {{3, 1, 4}, {2, 4}},
            new int[][] {{4}, {2, 3, 4}},
            new int[][] {{2, 3, 4}, {4}},
            new int[][] {{2, 1}, {1, 3}},
            new int[][] {{}, {3}},
            new int[][] {{3}, {}},
            new int[][] {{}, {}});

    static Stream<Arguments> binaryOpsAndShapes() {
        return BINARY.stream().flatMap(op -> SHAPE_PAIRS.stream()
                .map(p -> Arguments.of(op, Arrays.toString(p[0]) + " with " + Arrays.toString(p[1]), p[0], p[1])));
    }

    static Stream<Binary> binaryOps() {
        return BINARY.stream();
    }

    static Stream<Unary> unaryOps() {
        return UNARY.stream();
    }

    private static Variable apply(Binary op, Variable[] v) {
        return op.op().apply(v[0], v[1]);
    }

    // ---------------------------------------------------------------- binary ops

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("binaryOpsAndShapes")
    void binaryOpGradientsMatchNumericForEqualAndBroadcastShapes(Binary op, String label, int[] aShape, int[] bShape) {
        assertGradOk(op.name() + " " + label, v -> apply(op, v), op.a(1, aShape), op.b(2, bShape));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryOpGradientsMatchNumericForNonContiguousInputs(Binary op) {
        assertGradOk(op.name() + " transposed with strided", v -> apply(op, v),
                transposed(op.a(3, 3, 4)), strided(op.b(4, 3, 4)));
        assertGradOk(op.name() + " strided [2,1,4] broadcast with transposed [3,4]", v -> apply(op, v),
                strided(op.a(5, 2, 1, 4)), transposed(op.b(6, 3, 4)));
    }

    /** The binary ops without a kink on the diagonal (maximum(x, x) is a tie everywhere: see the tie tests). */
    static Stream<Binary> binaryOpsSmoothOnTheDiagonal() {
        return BINARY.stream().filter(op -> !op.name().equals("maximum") && !op.name().equals("minimum"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOpsSmoothOnTheDiagonal")
    void binaryOpGradientsMatchNumericWhenBothOperandsAreTheSameVariable(Binary op) {
        // f(x) = op(x, x): both edges deliver into one leaf and must be summed
        assertGradOk(op.name() + "(x, x)", v -> op.op().apply(v[0], v[0]), positive(7, 2, 3));
    }

    // ---------------------------------------------------------------- unary ops

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryOpGradientsMatchNumeric(Unary op) {
        assertGradOk(op.name() + " [3,4]", v -> op.op().apply(v[0]), op.input().make(11, 3, 4));
        assertGradOk(op.name() + " []", v -> op.op().apply(v[0]), op.input().make(12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryOpGradientsMatchNumericForNonContiguousInputs(Unary op) {
        assertGradOk(op.name() + " transposed [2,3,4]", v -> op.op().apply(v[0]),
                transposed(op.input().make(13, 2, 3, 4)));
        assertGradOk(op.name() + " strided [3,5]", v -> op.op().apply(v[0]), strided(op.input().make(14, 3, 5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryOpFloat32GradientsAgreeWithFloat64(Unary op) {
        assertFloat32GradMatchesFloat64(op.name(), x -> op.op().apply(x), op.input().make(15, 3, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryOpFloat32GradientsAgreeWithFloat64UnderBroadcasting(Binary op) {
        // b is fixed data here; a [3,1,4] broadcasts against it to [3,2,4]
        Tensor b = op.b(16, 2, 4);
        assertFloat32GradMatchesFloat64(op.name(), x -> op.op().apply(x, Variable.constant(b.to(x.value().dtype()))),
                op.a(17, 3, 1, 4));
    }

    // ---------------------------------------------------------------- where

    @Test
    void whereGradientsGoToTheChosenOperand() {
        Tensor cond = f64(new double[] {1, 0, 0, 1, 1, 0}, 2, 3);
        assertGradOk("where [2,3] same shapes", v -> ElementwiseFns.where(cond, v[0], v[1]), random(21, 2, 3),
                random(22, 2, 3));
        assertGradOk("where a [2,3], b [3]", v -> ElementwiseFns.where(cond, v[0], v[1]), random(23, 2, 3),
                random(24, 3));
        Tensor rowCond = f64(new double[] {1, 0, 1}, 3, 1);
        assertGradOk("where cond [3,1], a [3,4], b []", v -> ElementwiseFns.where(rowCond, v[0], v[1]),
                random(25, 3, 4), random(26));
        assertGradOk("where non-contiguous", v -> ElementwiseFns.where(rowCond, v[0], v[1]),
                transposed(random(27, 3, 4)), strided(random(28, 3, 4)));
    }

    // ---------------------------------------------------------------- documented rules at ties and kinks

    @Test
    void maximumSplitsTheGradientEquallyAtTies() {
        Variable a = Variable.parameter(f64(new double[] {1, 2, 3}, 3));
        Variable b = Variable.parameter(f64(new double[] {1, 5, 0}, 3));
        ElementwiseFns.maximum(a, b).backward(f64(new double[] {2, 2, 2}, 3), false);
        assertArrayEquals(new double[] {1, 0, 2}, a.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {1, 2, 0}, b.grad().toDoubleArray(), 0.0);
    }

    @Test
    void minimumSplitsTheGradientEquallyAtTiesUnderBroadcasting() {
        // a [2,1] = [[1],[2]] against b [3] = [1,2,3]: min picks a where a < b, b where b < a, halves at ties
        Variable a = Variable.parameter(f64(new double[] {1, 2}, 2, 1));
        Variable b = Variable.parameter(f64(new double[] {1, 2, 3}, 3));
        ElementwiseFns.minimum(a, b).backward(Tensor.ones(DType.F64, 2, 3), false);
        assertArrayEquals(new double[] {0.5 + 1 + 1, 0 + 0.5 + 1}, a.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {0.5 + 1, 0 + 0.5, 0 + 0}, b.grad().toDoubleArray(), 0.0);
    }

    @Test
    void clampPassesTheGradientAtItsBoundsAndBlocksItOutside() {
        Variable x = Variable.parameter(f64(new double[] {-1, -0.5, 0, 0.5, 1}, 5));
        Tensor g = gradOf(x, ElementwiseFns.clamp(x, -0.5, 0.5), Tensor.ones(DType.F64, 5));
        assertArrayEquals(new double[] {0, 1, 1, 1, 0}, g.toDoubleArray(), 0.0);
    }

    @Test
    void absHasZeroGradientAtZero() {
        Variable x = Variable.parameter(f64(new double[] {-2, 0, 3}, 3));
        Tensor g = gradOf(x, ElementwiseFns.abs(x), Tensor.ones(DType.F64, 3));
        assertArrayEquals(new double[] {-1, 0, 1}, g.toDoubleArray(), 0.0);
    }

    @Test
    void powExponentGradientIsZeroWhereTheBaseIsZero() {
        Variable a = Variable.parameter(f64(new double[] {0, 2}, 2));
        Variable b = Variable.parameter(f64(new double[] {2, 3}, 2));
        ElementwiseFns.pow(a, b).backward(Tensor.ones(DType.F64, 2), false);
        assertArrayEquals(new double[] {0, 8 * Math.log(2)}, b.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 12}, a.grad().toDoubleArray(), 1e-15);
    }

    // ---------------------------------------------------------------- the check itself catches wrong rules

    /** y = 3x with a backward that returns {@code factor}·g instead of 3·g. */
    private static Variable tripleWithBackwardFactor(Variable x, double factor) {
        return Node.op("triple", x.value().mul(3)).inputs(x).backward((ctx, g) -> new Tensor[] {g.mul(factor)});
    }

    @Test
    void gradCheckAcceptsTheCorrectRuleOfACustomOp() {
        assertGradOk("3x, backward 3g", v -> tripleWithBackwardFactor(v[0], 3), random(31, 3, 4));
    }

    @Test
    void gradCheckRejectsABackwardOffByAFactor() {
        assertGradFails("3x, backward 2g", v -> tripleWithBackwardFactor(v[0], 2), random(32, 3, 4));
    }

    @Test
    void gradCheckRejectsABackwardOffByOnePartInAThousand() {
        assertGradFails("3x, backward 3.003g", v -> tripleWithBackwardFactor(v[0], 3.003), random(33, 3, 4));
    }

    @Test
    void gradCheckRejectsABackwardWithTheWrongSign() {
        assertGradFails("3x, backward -3g", v -> tripleWithBackwardFactor(v[0], -3), random(34, 3, 4));
    }

    @Test
    void gradCheckRejectsABackwardMissingATerm() {
        // y = x⊙x: the product rule has two terms (g⊙x + x⊙g), this backward keeps one
        assertGradFails("x⊙x, backward g⊙x", v -> {
            Tensor x = v[0].value();
            return Node.op("squareMissingTerm", x.mul(x)).inputs(v[0]).save(x)
                    .backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0))});
        }, random(35, 3, 4));
    }

    @Test
    void gradCheckRejectsABroadcastGradientSummedOverTheWrongAxes() {
        // a [3,1] + b [1,4]: a's gradient must sum over axis 1; this one takes only column 0
        assertGradFails("a + b, backward of a reads one column", v -> {
            Tensor out = v[0].value().add(v[1].value());
            return Node.op("addOneColumn", out).inputs(v[0], v[1])
                    .backward((ctx, g) -> new Tensor[] {g.narrow(1, 0, 1), g.sumTo(ctx.inputShape(1))});
        }, random(36, 3, 1), random(37, 1, 4));
    }

    @Test
    void distinctInputsAreWellSeparated() {
        double[] v = distinct(38, 60).toDoubleArray();
        Arrays.sort(v);
        for (int i = 1; i < v.length; i++) {
            assertEquals(0.1, v[i] - v[i - 1], 1e-12);
        }
    }
}

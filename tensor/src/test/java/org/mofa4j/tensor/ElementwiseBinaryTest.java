package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mofa4j.tensor.ElementwiseReference.assertClose;
import static org.mofa4j.tensor.ElementwiseReference.assertSameBits;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/** Binary ops with broadcasting, on strided views, in both kernel modes and both dtypes, against a float64 oracle. */
class ElementwiseBinaryTest {

    /** The op through its public Tensor method, so the delegation is tested too. */
    static Tensor call(BinaryOp op, Tensor a, Tensor b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> a.pow(b);
            case MAX -> a.maximum(b);
            case MIN -> a.minimum(b);
            case GT -> a.gt(b);
            case GE -> a.ge(b);
            case LT -> a.lt(b);
            case LE -> a.le(b);
            case EQ -> a.eq(b);
        };
    }

    static Tensor call(BinaryOp op, Tensor a, double s) {
        return switch (op) {
            case ADD -> a.add(s);
            case SUB -> a.sub(s);
            case MUL -> a.mul(s);
            case DIV -> a.div(s);
            case POW -> a.pow(s);
            case MAX -> a.maximum(s);
            case MIN -> a.minimum(s);
            case GT -> a.gt(s);
            case GE -> a.ge(s);
            case LT -> a.lt(s);
            case LE -> a.le(s);
            case EQ -> a.eq(s);
        };
    }

    /** Inputs where the op is interesting: pow gets bases in [0, 2) and exponents in [-3, 3). */
    static Tensor operand(Random rnd, BinaryOp op, boolean first, DType dtype, int[] shape) {
        Tensor t = op == BinaryOp.POW
                ? ElementwiseReference.view(rnd, dtype, first ? 1 : 3, first ? 1 : 0, shape)
                : ElementwiseReference.view(rnd, dtype, 4, 0, shape);
        if (op.ordinal() >= BinaryOp.GT.ordinal() || op == BinaryOp.MAX || op == BinaryOp.MIN) {
            ElementwiseReference.quantize(t, 0.5); // ties matter for GE, LE, EQ, MAX, MIN
        }
        return t;
    }

    /**
     * Relative tolerance against the oracle rounded to the dtype: every op but pow is one correctly rounded
     * operation, so it must match exactly; pow allows the vector approximation a few float ulps.
     */
    static double rtol(BinaryOp op, DType dtype) {
        return op != BinaryOp.POW ? 0 : dtype == DType.F32 ? 4e-6 : 1e-15;
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void matchesReferenceOnRandomBroadcastViews(BinaryOp op) {
        Random rnd = new Random(1000 + op.ordinal());
        ElementwiseReference.inEachMode(mode -> {
            for (int trial = 0; trial < 30; trial++) {
                DType dtype = trial % 5 == 4 ? DType.F64 : DType.F32;
                int[] shape = ElementwiseReference.randomShape(rnd, 20_000);
                int[] sa = ElementwiseReference.broadcastableTo(rnd, shape);
                int[] sb = ElementwiseReference.broadcastableTo(rnd, shape);
                if (rnd.nextBoolean()) {
                    sa = shape;
                }
                Tensor a = operand(rnd, op, true, dtype, sa);
                Tensor b = operand(rnd, op, false, dtype, sb);
                Tensor c = call(op, a, b);
                assertClose(op + " " + mode + " " + dtype + " " + Shapes.str(sa) + " with " + Shapes.str(sb),
                        ElementwiseReference.broadcastShape(sa, sb), dtype, ElementwiseReference.binary(op, a, b), c,
                        0, rtol(op, dtype));
                assertTrue(c.isContiguous(), "result is contiguous");
            }
        });
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void scalarOperandActsLikeAZeroDimTensorOfTheSameDtype(BinaryOp op) {
        Random rnd = new Random(2000 + op.ordinal());
        ElementwiseReference.inEachMode(mode -> {
            for (DType dtype : DType.values()) {
                int[] shape = {3, 37};
                Tensor a = operand(rnd, op, true, dtype, shape);
                double s = op == BinaryOp.POW ? 1.7 : op.ordinal() >= BinaryOp.GT.ordinal() ? 0.5 : 0.1;
                double sr = dtype == DType.F32 ? (float) s : s;
                Tensor c = call(op, a, s);
                assertClose(op + " scalar " + mode + " " + dtype, shape, dtype,
                        ElementwiseReference.unary(a, x -> ElementwiseReference.binary(op, x, sr)), c, 0, rtol(op, dtype));
                // the scalar may also come first, as a broadcast 0-d tensor
                Tensor first = ElementwiseReference.view(rnd, dtype, 1, 1, new int[0]);
                assertClose(op + " 0-d first " + mode, shape, dtype, ElementwiseReference.binary(op, first, a),
                        call(op, first, a), 0, rtol(op, dtype));
            }
        });
    }

    /** NaN, ±0, ±inf, subnormals, huge and tiny values, every pair, in a run long enough for vectors and a tail. */
    static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f,
        0.5f, 2f, -2.5f, 3f, -3f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-30f, 7.25f};

    static Tensor[] specialPairs() {
        int k = SPECIALS.length;
        float[] a = new float[k * k];
        float[] b = new float[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                a[i * k + j] = SPECIALS[i];
                b[i * k + j] = SPECIALS[j];
            }
        }
        return new Tensor[] {Tensor.wrap(a, k * k), Tensor.wrap(b, k * k)};
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void specialValuesFollowTheDefinition(BinaryOp op) {
        Tensor[] ab = specialPairs();
        ElementwiseReference.inEachMode(mode -> assertClose(op + " specials " + mode, ab[0].shape(), DType.F32,
                ElementwiseReference.binary(op, ab[0], ab[1]), call(op, ab[0], ab[1]), 0, rtol(op, DType.F32)));
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = "POW", mode = EnumSource.Mode.EXCLUDE)
    void vectorKernelGivesTheScalarBitsForExactOps(BinaryOp op) {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(3000 + op.ordinal());
        Tensor[] ab = specialPairs();
        for (int trial = 0; trial < 12; trial++) {
            Tensor a = trial == 0 ? ab[0] : operand(rnd, op, true, DType.F32, new int[] {5, 1, 67});
            Tensor b = trial == 0 ? ab[1] : operand(rnd, op, false, DType.F32,
                    new int[][] {{5, 4, 67}, {4, 67}, {4, 1}, {5, 4, 1}}[trial % 4]);
            Tensor scalar;
            Tensor vector;
            try (var m = KernelMode.override(Mode.SCALAR)) {
                scalar = call(op, a, b);
            }
            try (var m = KernelMode.override(Mode.VECTOR)) {
                vector = call(op, a, b);
            }
            assertSameBits(op + " vector vs scalar", scalar, vector);
        }
    }

    @Test
    void vectorPowStaysWithinAFewUlpsOfTheScalarPow() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(3100);
        Tensor a = ElementwiseReference.view(rnd, DType.F32, 4, 4, 1001);   // bases in [0, 8)
        Tensor b = ElementwiseReference.view(rnd, DType.F32, 6, 0, 1001);   // exponents in [-6, 6)
        Tensor scalar;
        Tensor vector;
        try (var m = KernelMode.override(Mode.SCALAR)) {
            scalar = a.pow(b);
        }
        try (var m = KernelMode.override(Mode.VECTOR)) {
            vector = a.pow(b);
        }
        assertClose("pow vector vs scalar", scalar.shape(), DType.F32, ElementwiseReference.values(scalar), vector, 0,
                4e-6);
    }

    @Test
    void comparisonsGiveOneOrZeroInTheOperandsDtype() {
        Tensor a = Tensor.vector(1, 2, 3);
        Tensor b = Tensor.vector(2, 2, 2);
        assertArrayEquals(new double[] {0, 0, 1}, ElementwiseReference.values(a.gt(b)));
        assertArrayEquals(new double[] {0, 1, 1}, ElementwiseReference.values(a.ge(b)));
        assertArrayEquals(new double[] {1, 0, 0}, ElementwiseReference.values(a.lt(b)));
        assertArrayEquals(new double[] {1, 1, 0}, ElementwiseReference.values(a.le(b)));
        assertArrayEquals(new double[] {0, 1, 0}, ElementwiseReference.values(a.eq(b)));
        Tensor d = Tensor.of(new double[] {1, 2}, 2).gt(Tensor.of(new double[] {0}, 1));
        assertEquals(DType.F64, d.dtype());
        assertArrayEquals(new double[] {1, 1}, ElementwiseReference.values(d));
    }

    @Test
    void broadcastingARowAndAColumnGivesTheOuterSum() {
        Tensor col = Tensor.of(new float[] {10, 20}, 2, 1);
        Tensor row = Tensor.vector(1, 2, 3);
        Tensor s = col.add(row);
        assertArrayEquals(new int[] {2, 3}, s.shape());
        assertArrayEquals(new double[] {11, 12, 13, 21, 22, 23}, ElementwiseReference.values(s));
    }

    @Test
    void mismatchedDtypesAreRefusedNamingTheOpAndBothDtypes() {
        Tensor a = Tensor.zeros(DType.F32, 2, 3);
        Tensor b = Tensor.zeros(DType.F64, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.mul(b));
        assertTrue(e.getMessage().startsWith("mul: "), e.getMessage());
        assertTrue(e.getMessage().contains("F32") && e.getMessage().contains("F64"), e.getMessage());
    }

    @Test
    void shapesThatDoNotBroadcastAreRefusedNamingTheOpAndShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().startsWith("add: shapes [2, 3] and [4] cannot be broadcast"), e.getMessage());
    }

    @Test
    void emptyOperandsGiveEmptyResultsOfTheBroadcastShape() {
        ElementwiseReference.inEachMode(mode -> {
            Tensor e = Tensor.zeros(0, 3).add(Tensor.ones(1, 3));
            assertArrayEquals(new int[] {0, 3}, e.shape());
            assertArrayEquals(new int[] {2, 0}, Tensor.zeros(2, 1).mul(Tensor.zeros(0)).shape());
            assertArrayEquals(new int[] {0}, Tensor.zeros(0).pow(2.0).shape());
            assertThrows(ShapeException.class, () -> Tensor.zeros(0, 3).add(Tensor.zeros(2, 3)));
        });
    }

    @Test
    void zeroDimOperandsGiveAZeroDimResult() {
        Tensor s = Tensor.scalar(3).mul(Tensor.scalar(4));
        assertEquals(0, s.rank());
        assertEquals(12.0, s.item());
    }
}

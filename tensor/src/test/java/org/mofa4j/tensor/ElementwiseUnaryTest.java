package org.mofa4j.tensor;

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

/** Unary ops and clamp on strided views, in both kernel modes and both dtypes, against a float64 oracle. */
class ElementwiseUnaryTest {

    static Tensor call(UnaryOp op, Tensor a) {
        return switch (op) {
            case NEG -> a.neg();
            case EXP -> a.exp();
            case LOG -> a.log();
            case SQRT -> a.sqrt();
            case RSQRT -> a.rsqrt();
            case TANH -> a.tanh();
            case ABS -> a.abs();
            case SQUARE -> a.square();
            case RECIPROCAL -> a.reciprocal();
            case SIGN -> a.sign();
            case SIGMOID -> a.sigmoid();
            case ERF -> a.erf();
        };
    }

    /** Input range {lo, hi} where the op does something: log and roots also see some negatives (NaN). */
    static double[] range(UnaryOp op) {
        return switch (op) {
            case EXP -> new double[] {-15, 15};
            case LOG, SQRT, RSQRT -> new double[] {-0.5, 3.5};
            case TANH -> new double[] {-6, 6};
            case SIGMOID -> new double[] {-20, 20};
            default -> new double[] {-4, 4};
        };
    }

    static Tensor operand(Random rnd, UnaryOp op, DType dtype, int... shape) {
        double[] r = range(op);
        return ElementwiseReference.view(rnd, dtype, (r[1] - r[0]) / 2, (r[1] + r[0]) / 2, shape);
    }

    /** Ops whose vector kernel is one correctly rounded operation per element (or none: erf is always scalar). */
    static boolean exact(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SQUARE, RECIPROCAL, SQRT, SIGN, ERF -> true;
            default -> false;
        };
    }

    /** {atol, rtol} against the oracle rounded to the dtype. */
    static double[] tolerance(UnaryOp op, DType dtype) {
        if (dtype == DType.F64) {
            return op == UnaryOp.ERF ? new double[] {1e-13, 1e-13} : new double[] {0, 1e-15};
        }
        if (op == UnaryOp.ERF) {
            return new double[] {1e-12, 6e-8}; // the oracle's own error may straddle a float rounding boundary
        }
        if (exact(op)) {
            return new double[] {0, 0};
        }
        return op == UnaryOp.RSQRT ? new double[] {0, 2.4e-7} : new double[] {1e-7, 1e-6};
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void matchesReferenceOnRandomViews(UnaryOp op) {
        Random rnd = new Random(4000 + op.ordinal());
        ElementwiseReference.inEachMode(mode -> {
            for (int trial = 0; trial < 25; trial++) {
                DType dtype = trial % 5 == 4 ? DType.F64 : DType.F32;
                // erf's oracle integrates numerically: keep its inputs few
                int[] shape = ElementwiseReference.randomShape(rnd, op == UnaryOp.ERF ? 2_000 : 20_000);
                Tensor a = operand(rnd, op, dtype, shape);
                double[] tol = tolerance(op, dtype);
                assertClose(op + " " + mode + " " + dtype + " " + Shapes.str(shape), shape, dtype,
                        ElementwiseReference.unary(a, x -> ElementwiseReference.unary(op, x)), call(op, a), tol[0], tol[1]);
            }
        });
    }

    static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f,
        0.5f, -2.5f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-30f, 88.5f, 89f,
        -87f, -104f, 20f, -20f, 9f, 1e-6f, -1e-6f};

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void specialValuesFollowTheDefinition(UnaryOp op) {
        // repeated so that the values land in vector bodies and in scalar tails
        float[] v = new float[SPECIALS.length * 3 + 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = SPECIALS[i % SPECIALS.length];
        }
        Tensor a = Tensor.wrap(v, v.length);
        double[] tol = tolerance(op, DType.F32);
        ElementwiseReference.inEachMode(mode -> assertClose(op + " specials " + mode, a.shape(), DType.F32,
                ElementwiseReference.unary(a, x -> ElementwiseReference.unary(op, x)), call(op, a), tol[0], tol[1]));
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void vectorKernelMatchesTheScalarKernel(UnaryOp op) {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(5000 + op.ordinal());
        Tensor a = operand(rnd, op, DType.F32, 3, 1037);
        Tensor scalar;
        Tensor vector;
        try (var m = KernelMode.override(Mode.SCALAR)) {
            scalar = call(op, a);
        }
        try (var m = KernelMode.override(Mode.VECTOR)) {
            vector = call(op, a);
        }
        if (exact(op)) {
            assertSameBits(op + " vector vs scalar", scalar, vector);
        } else {
            double[] tol = tolerance(op, DType.F32);
            assertClose(op + " vector vs scalar", scalar.shape(), DType.F32, ElementwiseReference.values(scalar), vector,
                    tol[0], tol[1]);
        }
    }

    /** Distance in float ulps, counting across zero (-0 and +0 are 0 apart). */
    static long ulps(float a, float b) {
        int ia = Float.floatToIntBits(a);
        int ib = Float.floatToIntBits(b);
        long oa = ia < 0 ? (long) Integer.MIN_VALUE - ia : ia;
        long ob = ib < 0 ? (long) Integer.MIN_VALUE - ib : ib;
        return Math.abs(oa - ob);
    }

    /** Largest ulp distance between the vector kernel and the correctly rounded value over {@code xs}. */
    static long maxUlps(UnaryOp op, float[] xs) {
        Tensor out;
        try (var m = KernelMode.override(Mode.VECTOR)) {
            out = call(op, Tensor.wrap(xs, xs.length));
        }
        float[] got = out.data();
        long worst = 0;
        for (int i = 0; i < xs.length; i++) {
            float want = (float) ElementwiseReference.unary(op, xs[i]);
            if (Float.isNaN(want) || Float.isNaN(got[i])) {
                assertTrue(Float.isNaN(want) && Float.isNaN(got[i]), op + "(" + xs[i] + ") = " + got[i] + ", want " + want);
                continue;
            }
            worst = Math.max(worst, ulps(want, got[i]));
        }
        return worst;
    }

    /** Evenly spaced floats over [lo, hi] plus random ones; the count is a multiple of every vector length. */
    static float[] sweep(Random rnd, double lo, double hi) {
        float[] xs = new float[1 << 16];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (i % 2 == 0 ? lo + (hi - lo) * i / xs.length : lo + (hi - lo) * rnd.nextDouble());
        }
        return xs;
    }

    @Test
    void vectorTranscendentalsStayWithinAFewUlpsOverDenseSweeps() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(5500);
        float[] logInputs = new float[1 << 16];
        for (int i = 0; i < logInputs.length; i++) {
            // every binade from subnormals to the largest floats, and densely around 1
            logInputs[i] = i % 2 == 0 ? (float) Math.pow(2, -149 + 277 * rnd.nextDouble()) : 0.5f + 1.5f * rnd.nextFloat();
        }
        long exp = maxUlps(UnaryOp.EXP, sweep(rnd, -104, 89));
        long log = maxUlps(UnaryOp.LOG, logInputs);
        long tanh = Math.max(maxUlps(UnaryOp.TANH, sweep(rnd, -10, 10)), maxUlps(UnaryOp.TANH, sweep(rnd, -1e-3, 1e-3)));
        long sigmoid = maxUlps(UnaryOp.SIGMOID, sweep(rnd, -110, 40));
        assertTrue(exp <= 2 && log <= 2 && tanh <= 3 && sigmoid <= 3,
                "max ulps: exp " + exp + ", log " + log + ", tanh " + tanh + ", sigmoid " + sigmoid);
    }

    @Test
    void signKeepsSignedZerosAndNaN() {
        Tensor a = Tensor.vector(-0f, 0f, Float.NaN, -3f, 5f, -0f, 0f, Float.NaN, -3f, 5f);
        ElementwiseReference.inEachMode(mode -> {
            double[] s = ElementwiseReference.values(a.sign());
            assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(s[5]), "sign(-0) is -0");
            assertEquals(Double.doubleToLongBits(0.0), Double.doubleToLongBits(s[6]), "sign(+0) is +0");
            assertTrue(Double.isNaN(s[7]));
            assertEquals(-1.0, s[8]);
            assertEquals(1.0, s[9]);
        });
    }

    @Test
    void sigmoidSaturatesWithoutOverflow() {
        Tensor a = Tensor.vector(-200, -100, -30, 0, 30, 100, 200, 1000, -1000);
        ElementwiseReference.inEachMode(mode -> {
            double[] s = ElementwiseReference.values(a.sigmoid());
            assertEquals(0.5, s[3]);
            assertEquals(1.0, s[7]);
            assertEquals(0.0, s[8]);
            for (double v : s) {
                assertTrue(v >= 0 && v <= 1, mode + ": " + v);
            }
        });
    }

    // ------------------------------------------------------------------------ clamp

    @Test
    void clampMatchesReferenceOnRandomViewsAndKeepsNaN() {
        Random rnd = new Random(6000);
        ElementwiseReference.inEachMode(mode -> {
            for (int trial = 0; trial < 20; trial++) {
                DType dtype = trial % 4 == 3 ? DType.F64 : DType.F32;
                int[] shape = ElementwiseReference.randomShape(rnd, 20_000);
                Tensor a = ElementwiseReference.view(rnd, dtype, 3, 0, shape);
                if (a.numel() > 0 && dtype == DType.F32) {
                    a.data()[rnd.nextInt(a.data().length)] = Float.NaN;
                }
                double lo = trial % 3 == 0 ? Double.NEGATIVE_INFINITY : -1.3;
                double hi = trial % 5 == 0 ? -1.3 : 0.7;
                double l = dtype == DType.F32 ? (float) lo : lo;
                double h = dtype == DType.F32 ? (float) hi : hi;
                assertClose("clamp " + mode + " " + dtype, shape, dtype,
                        ElementwiseReference.unary(a, x -> x != x ? x : Math.min(Math.max(x, l), h)), a.clamp(lo, hi), 0, 0);
            }
        });
    }

    @Test
    void clampRefusesLoAboveHiNamingBoth() {
        Tensor a = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.clamp(1.5, -2));
        assertTrue(e.getMessage().startsWith("clamp: "), e.getMessage());
        assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("-2.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.clamp(Double.NaN, 1));
    }

    @Test
    void unaryOfAnEmptyTensorIsEmpty() {
        ElementwiseReference.inEachMode(mode -> {
            assertEquals(0, Tensor.zeros(3, 0, 2).exp().numel());
            assertEquals(0, Tensor.zeros(0).clamp(0, 1).numel());
        });
    }
}

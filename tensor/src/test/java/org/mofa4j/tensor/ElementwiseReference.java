package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * Oracles for the elementwise ops: the definitions written out again (not via {@link BinaryOp#apply}), evaluated
 * in double by plain loops over logical multi-indices with {@link Tensor#get}, and readers that use no tensor op,
 * so a broken kernel cannot hide behind itself.
 */
final class ElementwiseReference {
    private ElementwiseReference() {}

    // ------------------------------------------------------------------------ definitions

    static double binary(BinaryOp op, double a, double b) {
        switch (op) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case POW: return Math.pow(a, b);
            case MAX: return a != a || b != b ? Double.NaN : (a > b || (a == b && b == 0 && 1 / b < 0)) ? a : b;
            case MIN: return a != a || b != b ? Double.NaN : (a < b || (a == b && a == 0 && 1 / a < 0)) ? a : b;
            case GT: return a > b ? 1 : 0;
            case GE: return a >= b ? 1 : 0;
            case LT: return a < b ? 1 : 0;
            case LE: return a <= b ? 1 : 0;
            case EQ: return a == b ? 1 : 0;
            default: throw new AssertionError(op);
        }
    }

    static double unary(UnaryOp op, double x) {
        switch (op) {
            case NEG: return -x;
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case SQRT: return Math.sqrt(x);
            case RSQRT: return 1 / Math.sqrt(x);
            case TANH: return Math.tanh(x);
            case ABS: return x < 0 ? -x : x == 0 ? 0.0 : x;
            case SQUARE: return x * x;
            case RECIPROCAL: return 1 / x;
            case SIGN: return x > 0 ? 1 : x < 0 ? -1 : x; // keeps ±0 and NaN
            case SIGMOID: return 1 / (1 + Math.exp(-x));
            case ERF: return erf(x);
            default: throw new AssertionError(op);
        }
    }

    /**
     * erf(x) = 2/√π ∫₀ˣ e^(−t²) dt by composite Simpson with 2000 panels: error far below float resolution.
     * Beyond |x| = 6, 1 − |erf(x)| &lt; 3e-17, so ±1.
     */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) >= 6) {
            return Math.signum(x);
        }
        int n = 2000;
        double h = x / n;
        double sum = 1 + Math.exp(-x * x);
        for (int i = 1; i < n; i++) {
            double t = i * h;
            sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        return 2 / Math.sqrt(Math.PI) * sum * h / 3;
    }

    // ------------------------------------------------------------------------ broadcasting oracles

    /** NumPy broadcast shape, or null when the shapes do not broadcast. */
    static int[] broadcastShape(int[]... shapes) {
        int rank = 0;
        for (int[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        int[] out = new int[rank];
        java.util.Arrays.fill(out, 1);
        for (int[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = rank - s.length + i;
                if (out[o] == 1) {
                    out[o] = s[i];
                } else if (s[i] != 1 && s[i] != out[o]) {
                    return null;
                }
            }
        }
        return out;
    }

    /** t's element at output index {@code pos}, t broadcast to the output's rank. */
    static double at(Tensor t, int[] pos) {
        int[] shape = t.shape();
        int[] idx = new int[shape.length];
        int lead = pos.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            idx[i] = shape[i] == 1 ? 0 : pos[lead + i];
        }
        return t.get(idx);
    }

    /** Row-major multi-index of flat position {@code flat} in {@code shape}. */
    static int[] unravel(int flat, int[] shape) {
        int[] pos = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            pos[i] = flat % shape[i];
            flat /= shape[i];
        }
        return pos;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** f(a, b) over the broadcast shape, in double. */
    static double[] binary(Tensor a, Tensor b, DoubleBinaryOperator f) {
        int[] shape = broadcastShape(a.shape(), b.shape());
        double[] out = new double[numel(shape)];
        for (int i = 0; i < out.length; i++) {
            int[] pos = unravel(i, shape);
            out[i] = f.applyAsDouble(at(a, pos), at(b, pos));
        }
        return out;
    }

    static double[] binary(BinaryOp op, Tensor a, Tensor b) {
        return binary(a, b, (x, y) -> binary(op, x, y));
    }

    static double[] unary(Tensor a, DoubleUnaryOperator f) {
        double[] out = values(a);
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(out[i]);
        }
        return out;
    }

    static double[] where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = broadcastShape(cond.shape(), a.shape(), b.shape());
        double[] out = new double[numel(shape)];
        for (int i = 0; i < out.length; i++) {
            int[] pos = unravel(i, shape);
            out[i] = at(cond, pos) != 0 ? at(a, pos) : at(b, pos);
        }
        return out;
    }

    // ------------------------------------------------------------------------ readers and assertions

    /** The elements in logical row-major order, read straight from storage (no tensor op involved). */
    static double[] values(Tensor t) {
        int[] shape = t.shape();
        double[] v = new double[numel(shape)];
        if (t.isContiguous() && t.dtype() == DType.F32) {
            float[] s = t.data();
            for (int i = 0; i < v.length; i++) {
                v[i] = s[t.offset() + i];
            }
            return v;
        }
        if (t.isContiguous()) {
            System.arraycopy(t.dataF64(), t.offset(), v, 0, v.length);
            return v;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(unravel(i, shape));
        }
        return v;
    }

    /**
     * Shape and dtype as given, and every element within {@code atol + rtol·|expected|} of the expected value
     * rounded to the dtype (so f32 overflow and underflow are expected); NaN matches NaN, infinities match exactly.
     */
    static void assertClose(String what, int[] shape, DType dtype, double[] expected, Tensor actual,
                            double atol, double rtol) {
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        assertEquals(dtype, actual.dtype(), what + ": dtype");
        double[] got = values(actual);
        for (int i = 0; i < got.length; i++) {
            double e = dtype == DType.F32 ? (float) expected[i] : expected[i];
            double g = got[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(g)
                    : Double.isInfinite(e) || Double.isInfinite(g) ? e == g
                    : Math.abs(e - g) <= atol + rtol * Math.abs(e);
            if (!ok) {
                fail(what + ": element " + i + " " + java.util.Arrays.toString(unravel(i, shape)) + " of "
                        + Shapes.str(shape) + ": expected " + e + ", got " + g + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    /** Same shape, dtype and bits (NaNs compared as NaN). */
    static void assertSameBits(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        double[] e = values(expected);
        double[] g = values(actual);
        for (int i = 0; i < e.length; i++) {
            if (Double.doubleToLongBits(e[i]) != Double.doubleToLongBits(g[i])) {
                fail(what + ": element " + i + " of " + Shapes.str(expected.shape()) + ": expected " + e[i] + ", got "
                        + g[i]);
            }
        }
    }

    // ------------------------------------------------------------------------ inputs

    /** A random view (see {@link TestTensors#randomView}) whose stored values are mapped u ↦ scale·u + shift. */
    static Tensor view(Random rnd, DType dtype, double scale, double shift, int... shape) {
        Tensor t = TestTensors.randomView(rnd, dtype, shape);
        if (dtype == DType.F32) {
            float[] s = t.data();
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (scale * s[i] + shift);
            }
        } else {
            double[] s = t.dataF64();
            for (int i = 0; i < s.length; i++) {
                s[i] = scale * s[i] + shift;
            }
        }
        return t;
    }

    /** Rounds every stored value to a multiple of {@code step}, so comparisons see ties. */
    static void quantize(Tensor t, double step) {
        if (t.dtype() == DType.F32) {
            float[] s = t.data();
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (Math.rint(s[i] / step) * step);
            }
        } else {
            double[] s = t.dataF64();
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.rint(s[i] / step) * step;
            }
        }
    }

    /** Dimension sizes that exercise vector bodies, scalar tails and size-1 broadcasting. */
    private static final int[] DIMS = {1, 1, 2, 3, 5, 7, 8, 9, 16, 17, 33};

    /** A random shape of rank 0..4 with at most about {@code maxNumel} elements. */
    static int[] randomShape(Random rnd, int maxNumel) {
        while (true) {
            int rank = rnd.nextInt(5);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = DIMS[rnd.nextInt(DIMS.length)];
            }
            if (rank > 0 && rnd.nextInt(4) == 0) {
                s[rank - 1] = 1000 + rnd.nextInt(100); // long runs: many vectors plus a tail
            }
            if (numel(s) <= maxNumel) {
                return s;
            }
        }
    }

    /** A shape that broadcasts to {@code out}: some leading dimensions dropped, some others set to 1. */
    static int[] broadcastableTo(Random rnd, int[] out) {
        int drop = rnd.nextInt(out.length + 1);
        int[] s = java.util.Arrays.copyOfRange(out, drop, out.length);
        for (int i = 0; i < s.length; i++) {
            if (rnd.nextInt(3) == 0) {
                s[i] = 1;
            }
        }
        return s;
    }

    /** Runs body under each available kernel mode, naming the mode. */
    static void inEachMode(java.util.function.Consumer<KernelMode.Mode> body) {
        for (KernelMode.Mode mode : KernelMode.Mode.values()) {
            if (mode == KernelMode.Mode.VECTOR && !KernelMode.vectorAvailable()) {
                continue;
            }
            try (KernelMode.Restore r = KernelMode.override(mode)) {
                body.accept(mode);
            }
        }
    }
}

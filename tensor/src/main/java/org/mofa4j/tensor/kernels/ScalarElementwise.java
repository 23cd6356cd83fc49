package org.mofa4j.tensor.kernels;

import java.util.Arrays;
import org.mofa4j.tensor.BinaryOp;
import org.mofa4j.tensor.UnaryOp;

/**
 * Scalar reference kernels for elementwise ops, one strided run at a time. Internal: called by the tensor
 * package's elementwise ops, which validate shapes and split work into runs.
 *
 * <p>A run is {@code n} elements; operand X's element i is {@code x[xOff + i·xStep]} (a step may be 0 for a
 * broadcast operand). The output array is modified; input arrays are not, unless they are the output itself.
 *
 * <p>Arithmetic: every f32 result is the op's double-precision definition ({@link BinaryOp#apply},
 * {@link UnaryOp#apply}) of the float inputs, rounded once to float. For ADD, SUB, MUL, DIV, MAX, MIN, the
 * comparisons, NEG, ABS, SQUARE, RECIPROCAL, SQRT and SIGN this equals the correctly rounded float operation, so
 * {@link VectorElementwise} matches it bit for bit there. axpy is {@code Math.fma(alpha, x, y)} (one rounding)
 * in both twins.
 */
public final class ScalarElementwise {
    private ScalarElementwise() {}

    // ------------------------------------------------------------------------ binary: o = a op b

    public static void binary(BinaryOp op, int n, float[] o, int oOff, int oStep,
                              float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep, bOff += bStep) {
            o[oOff] = (float) op.apply(a[aOff], b[bOff]);
        }
    }

    public static void binary(BinaryOp op, int n, double[] o, int oOff, int oStep,
                              double[] a, int aOff, int aStep, double[] b, int bOff, int bStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep, bOff += bStep) {
            o[oOff] = op.apply(a[aOff], b[bOff]);
        }
    }

    // ------------------------------------------------------------------------ unary: o = op(a)

    public static void unary(UnaryOp op, int n, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = (float) op.apply(a[aOff]);
        }
    }

    public static void unary(UnaryOp op, int n, double[] o, int oOff, int oStep, double[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = op.apply(a[aOff]);
        }
    }

    // ------------------------------------------------------------------------ axpy: y = fma(alpha, x, y)

    public static void axpy(int n, float alpha, float[] y, int yOff, int yStep, float[] x, int xOff, int xStep) {
        for (int i = 0; i < n; i++, yOff += yStep, xOff += xStep) {
            y[yOff] = Math.fma(alpha, x[xOff], y[yOff]);
        }
    }

    public static void axpy(int n, double alpha, double[] y, int yOff, int yStep, double[] x, int xOff, int xStep) {
        for (int i = 0; i < n; i++, yOff += yStep, xOff += xStep) {
            y[yOff] = Math.fma(alpha, x[xOff], y[yOff]);
        }
    }

    // ------------------------------------------------------------------------ clamp: o = min(max(a, lo), hi)

    /** NaN stays NaN (MAX and MIN propagate it). */
    public static void clamp(int n, float lo, float hi, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = (float) BinaryOp.MIN.apply(BinaryOp.MAX.apply(a[aOff], lo), hi);
        }
    }

    public static void clamp(int n, double lo, double hi, double[] o, int oOff, int oStep,
                             double[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = BinaryOp.MIN.apply(BinaryOp.MAX.apply(a[aOff], lo), hi);
        }
    }

    // ------------------------------------------------------------------------ where: o = c != 0 ? a : b

    /** The condition is read from {@code cf} when it is non-null, else from {@code cd}; NaN counts as non-zero. */
    public static void where(int n, float[] cf, double[] cd, int cOff, int cStep, float[] o, int oOff, int oStep,
                             float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        for (int i = 0; i < n; i++, cOff += cStep, oOff += oStep, aOff += aStep, bOff += bStep) {
            boolean pick = cf != null ? cf[cOff] != 0 : cd[cOff] != 0;
            o[oOff] = pick ? a[aOff] : b[bOff];
        }
    }

    public static void where(int n, float[] cf, double[] cd, int cOff, int cStep, double[] o, int oOff, int oStep,
                             double[] a, int aOff, int aStep, double[] b, int bOff, int bStep) {
        for (int i = 0; i < n; i++, cOff += cStep, oOff += oStep, aOff += aStep, bOff += bStep) {
            boolean pick = cf != null ? cf[cOff] != 0 : cd[cOff] != 0;
            o[oOff] = pick ? a[aOff] : b[bOff];
        }
    }

    // ------------------------------------------------------------------------ copy and fill (both modes)

    /** o = a; a unit-step run is one {@link System#arraycopy}, a broadcast source one {@link Arrays#fill}. */
    public static void copy(int n, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        if (oStep == 1 && aStep == 1) {
            System.arraycopy(a, aOff, o, oOff, n);
        } else if (oStep == 1 && aStep == 0) {
            Arrays.fill(o, oOff, oOff + n, a[aOff]);
        } else {
            for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
                o[oOff] = a[aOff];
            }
        }
    }

    public static void copy(int n, double[] o, int oOff, int oStep, double[] a, int aOff, int aStep) {
        if (oStep == 1 && aStep == 1) {
            System.arraycopy(a, aOff, o, oOff, n);
        } else if (oStep == 1 && aStep == 0) {
            Arrays.fill(o, oOff, oOff + n, a[aOff]);
        } else {
            for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
                o[oOff] = a[aOff];
            }
        }
    }

    /** f64 to f32, rounding to nearest. */
    public static void copy(int n, float[] o, int oOff, int oStep, double[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = (float) a[aOff];
        }
    }

    /** f32 to f64, exact. */
    public static void copy(int n, double[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        for (int i = 0; i < n; i++, oOff += oStep, aOff += aStep) {
            o[oOff] = a[aOff];
        }
    }

    public static void fill(int n, float v, float[] o, int oOff, int oStep) {
        if (oStep == 1) {
            Arrays.fill(o, oOff, oOff + n, v);
        } else {
            for (int i = 0; i < n; i++, oOff += oStep) {
                o[oOff] = v;
            }
        }
    }

    public static void fill(int n, double v, double[] o, int oOff, int oStep) {
        if (oStep == 1) {
            Arrays.fill(o, oOff, oOff + n, v);
        } else {
            for (int i = 0; i < n; i++, oOff += oStep) {
                o[oOff] = v;
            }
        }
    }
}

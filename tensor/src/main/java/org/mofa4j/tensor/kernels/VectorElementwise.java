package org.mofa4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mofa4j.tensor.BinaryOp;
import org.mofa4j.tensor.UnaryOp;

/**
 * Vector API twins of the f32 kernels in {@link ScalarElementwise}, same arguments, same runs. Internal.
 *
 * <p>Each run with a unit-step output is done L lanes at a time when the inputs step by 1 or 0 (a broadcast
 * scalar), then the last {@code n mod L} elements go to the scalar kernel. Any other stride pattern runs the
 * scalar kernel for the whole run. ERF and POW have no vector form here and always run the scalar kernel (POW's
 * Vector API form changes its results once JIT-compiled; see {@link VectorMath}).
 *
 * <p>Arithmetic: ADD, SUB, MUL, DIV, MAX, MIN (NaN propagates), the comparisons, NEG, ABS, SQUARE, RECIPROCAL,
 * SQRT, SIGN, clamp, where and axpy (one fma) give the same bits as the scalar twin. EXP, LOG, TANH and SIGMOID
 * use {@link VectorMath} (within a few float ulps of the scalar twin), RSQRT is 1/sqrt in float (within 1 ulp).
 * All of these give the same bits whether interpreted or JIT-compiled. Which elements take the scalar tail
 * depends only on the run's length, so results do not depend on the thread count as long as callers split runs
 * at multiples of {@link #lanes()}.
 */
public final class VectorElementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorElementwise() {}

    /** Lanes per vector (8 for 256-bit AVX2, 16 for AVX-512). */
    public static int lanes() {
        return L;
    }

    // ------------------------------------------------------------------------ binary: o = a op b
    //
    // The op switch sits outside the loops: one small loop method per op, so each loop body is a handful of
    // intrinsics that C2 always compiles together. (A switch inside the loop made a method too big to inline;
    // its FloatVector arguments and results were then boxed, allocating per vector and running ~10x slower.)

    public static void binary(BinaryOp op, int n, float[] o, int oOff, int oStep,
                              float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        int i = 0;
        boolean vectorRun = aStep == 1 ? bStep == 1 || bStep == 0 : aStep == 0 && bStep == 1;
        if (oStep == 1 && op != BinaryOp.POW && vectorRun) {
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> add(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case SUB -> sub(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case MUL -> mul(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case DIV -> div(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case MAX -> max(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case MIN -> min(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case GT -> gt(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case GE -> ge(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case LT -> lt(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case LE -> le(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case EQ -> eq(bound, o, oOff, a, aOff, aStep, b, bOff, bStep);
                case POW -> throw new IllegalStateException("pow has no vector kernel");
            }
            i = bound;
        }
        ScalarElementwise.binary(op, n - i, o, oOff + i * oStep, oStep, a, aOff + i * aStep, aStep,
                b, bOff + i * bStep, bStep);
    }

    private static FloatVector ones(VectorMask<Float> m) {
        return FloatVector.zero(S).blend(1f, m);
    }

    private static void add(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.add(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.add(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.add(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void sub(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.sub(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.sub(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.sub(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void mul(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.mul(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.mul(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.mul(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void div(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.div(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.div(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.div(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void max(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.max(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.max(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.max(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void min(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.min(y).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                x.min(y).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                x.min(y).intoArray(o, oOff + i);
            }
        }
    }

    private static void gt(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(o, oOff + i);
            }
        }
    }

    private static void ge(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(o, oOff + i);
            }
        }
    }

    private static void lt(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(o, oOff + i);
            }
        }
    }

    private static void le(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(o, oOff + i);
            }
        }
    }

    private static void eq(int bound, float[] o, int oOff, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        if (aStep == 1 && bStep == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(o, oOff + i);
            }
        } else if (aStep == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(o, oOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (int i = 0; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(o, oOff + i);
            }
        }
    }

    // ------------------------------------------------------------------------ unary: o = op(a)

    public static void unary(UnaryOp op, int n, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        int i = 0;
        if (oStep == 1 && aStep == 1 && op != UnaryOp.ERF) {
            int bound = S.loopBound(n);
            switch (op) {
                case NEG -> neg(bound, o, oOff, a, aOff);
                case EXP -> exp(bound, o, oOff, a, aOff);
                case LOG -> log(bound, o, oOff, a, aOff);
                case SQRT -> sqrt(bound, o, oOff, a, aOff);
                case RSQRT -> rsqrt(bound, o, oOff, a, aOff);
                case TANH -> tanh(bound, o, oOff, a, aOff);
                case ABS -> abs(bound, o, oOff, a, aOff);
                case SQUARE -> square(bound, o, oOff, a, aOff);
                case RECIPROCAL -> reciprocal(bound, o, oOff, a, aOff);
                case SIGN -> sign(bound, o, oOff, a, aOff);
                case SIGMOID -> sigmoid(bound, o, oOff, a, aOff);
                case ERF -> throw new IllegalStateException("erf has no vector kernel");
            }
            i = bound;
        }
        ScalarElementwise.unary(op, n - i, o, oOff + i * oStep, oStep, a, aOff + i * aStep, aStep);
    }

    private static void neg(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            x.neg().intoArray(o, oOff + i);
        }
    }

    private static void exp(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            VectorMath.exp(x).intoArray(o, oOff + i);
        }
    }

    private static void log(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            VectorMath.log(x).intoArray(o, oOff + i);
        }
    }

    private static void sqrt(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            x.sqrt().intoArray(o, oOff + i);
        }
    }

    private static void rsqrt(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            FloatVector.broadcast(S, 1f).div(x.sqrt()).intoArray(o, oOff + i);
        }
    }

    private static void tanh(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            VectorMath.tanh(x).intoArray(o, oOff + i);
        }
    }

    private static void abs(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            x.abs().intoArray(o, oOff + i);
        }
    }

    private static void square(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            x.mul(x).intoArray(o, oOff + i);
        }
    }

    private static void reciprocal(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            FloatVector.broadcast(S, 1f).div(x).intoArray(o, oOff + i);
        }
    }

    private static void sign(int bound, float[] o, int oOff, float[] a, int aOff) {
        // ±0 and NaN pass through unchanged, as Math.signum does
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            x.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f)).intoArray(o, oOff + i);
        }
    }

    private static void sigmoid(int bound, float[] o, int oOff, float[] a, int aOff) {
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            VectorMath.sigmoid(x).intoArray(o, oOff + i);
        }
    }

    // ------------------------------------------------------------------------ axpy: y = fma(alpha, x, y)

    public static void axpy(int n, float alpha, float[] y, int yOff, int yStep, float[] x, int xOff, int xStep) {
        int i = 0;
        if (yStep == 1 && (xStep == 1 || xStep == 0)) {
            int bound = S.loopBound(n);
            FloatVector av = FloatVector.broadcast(S, alpha);
            if (xStep == 1) {
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                    av.fma(xv, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
                }
            } else {
                FloatVector xv = FloatVector.broadcast(S, x[xOff]);
                for (; i < bound; i += L) {
                    av.fma(xv, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
                }
            }
        }
        ScalarElementwise.axpy(n - i, alpha, y, yOff + i * yStep, yStep, x, xOff + i * xStep, xStep);
    }

    // ------------------------------------------------------------------------ clamp and where

    public static void clamp(int n, float lo, float hi, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        int i = 0;
        if (oStep == 1 && aStep == 1) {
            int bound = S.loopBound(n);
            FloatVector lov = FloatVector.broadcast(S, lo);
            FloatVector hiv = FloatVector.broadcast(S, hi);
            for (; i < bound; i += L) {
                FloatVector.fromArray(S, a, aOff + i).max(lov).min(hiv).intoArray(o, oOff + i);
            }
        }
        ScalarElementwise.clamp(n - i, lo, hi, o, oOff + i * oStep, oStep, a, aOff + i * aStep, aStep);
    }

    /** f32 condition and operands; vectorised when all four step by 1. */
    public static void where(int n, float[] c, int cOff, int cStep, float[] o, int oOff, int oStep,
                             float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        int i = 0;
        if (oStep == 1 && cStep == 1 && aStep == 1 && bStep == 1) {
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                // NE is true for NaN, as the scalar c != 0 is
                VectorMask<Float> pick = FloatVector.fromArray(S, c, cOff + i).compare(VectorOperators.NE, 0f);
                FloatVector.fromArray(S, b, bOff + i).blend(FloatVector.fromArray(S, a, aOff + i), pick)
                        .intoArray(o, oOff + i);
            }
        }
        ScalarElementwise.where(n - i, c, null, cOff + i * cStep, cStep, o, oOff + i * oStep, oStep,
                a, aOff + i * aStep, aStep, b, bOff + i * bStep, bStep);
    }
}

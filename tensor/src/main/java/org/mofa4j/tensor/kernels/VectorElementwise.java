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

    public static void binary(BinaryOp op, int n, float[] o, int oOff, int oStep,
                              float[] a, int aOff, int aStep, float[] b, int bOff, int bStep) {
        int i = 0;
        if (oStep == 1 && op != BinaryOp.POW) {
            int bound = S.loopBound(n);
            if (aStep == 1 && bStep == 1) {
                for (; i < bound; i += L) {
                    FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                    FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                    apply(op, x, y).intoArray(o, oOff + i);
                }
            } else if (aStep == 1 && bStep == 0) {
                FloatVector y = FloatVector.broadcast(S, b[bOff]);
                for (; i < bound; i += L) {
                    apply(op, FloatVector.fromArray(S, a, aOff + i), y).intoArray(o, oOff + i);
                }
            } else if (aStep == 0 && bStep == 1) {
                FloatVector x = FloatVector.broadcast(S, a[aOff]);
                for (; i < bound; i += L) {
                    apply(op, x, FloatVector.fromArray(S, b, bOff + i)).intoArray(o, oOff + i);
                }
            }
        }
        ScalarElementwise.binary(op, n - i, o, oOff + i * oStep, oStep, a, aOff + i * aStep, aStep,
                b, bOff + i * bStep, bStep);
    }

    /** One vector of {@code x op y}; comparisons give 1 or 0. */
    private static FloatVector apply(BinaryOp op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case POW -> throw new IllegalStateException("pow has no vector kernel");
            case MAX -> x.max(y);
            case MIN -> x.min(y);
            case GT -> ones(x.compare(VectorOperators.GT, y));
            case GE -> ones(x.compare(VectorOperators.GE, y));
            case LT -> ones(x.compare(VectorOperators.LT, y));
            case LE -> ones(x.compare(VectorOperators.LE, y));
            case EQ -> ones(x.compare(VectorOperators.EQ, y));
        };
    }

    private static FloatVector ones(VectorMask<Float> m) {
        return FloatVector.zero(S).blend(1f, m);
    }

    // ------------------------------------------------------------------------ unary: o = op(a)

    public static void unary(UnaryOp op, int n, float[] o, int oOff, int oStep, float[] a, int aOff, int aStep) {
        int i = 0;
        if (oStep == 1 && aStep == 1 && op != UnaryOp.ERF) {
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                apply(op, FloatVector.fromArray(S, a, aOff + i)).intoArray(o, oOff + i);
            }
        }
        ScalarElementwise.unary(op, n - i, o, oOff + i * oStep, oStep, a, aOff + i * aStep, aStep);
    }

    private static FloatVector apply(UnaryOp op, FloatVector x) {
        return switch (op) {
            case NEG -> x.neg();
            case EXP -> VectorMath.exp(x);
            case LOG -> VectorMath.log(x);
            case SQRT -> x.sqrt();
            case RSQRT -> FloatVector.broadcast(S, 1f).div(x.sqrt());
            case TANH -> VectorMath.tanh(x);
            case ABS -> x.abs();
            case SQUARE -> x.mul(x);
            case RECIPROCAL -> FloatVector.broadcast(S, 1f).div(x);
            // ±0 and NaN pass through unchanged, as Math.signum does
            case SIGN -> x.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
            case SIGMOID -> VectorMath.sigmoid(x);
            case ERF -> throw new IllegalStateException("erf has no vector kernel");
        };
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

package org.mofa4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarGelu} (f32): runs whose operands all step by 1 go L lanes at a time, the last
 * {@code n mod L} elements (and any other stride pattern) go to the scalar kernel. Internal.
 *
 * <p>Arithmetic in float, t from {@link VectorMath#tanh} (same bits interpreted or JIT-compiled):
 * <pre>
 *   u  = x·(k + k·c·x²)                      k = √(2/π), c = 0.044715
 *   y  = h + h·t                             h = ½x
 *   dx = g·((½ + ½t) + h·(1 − t²)·(k + 3kc·x²))
 * </pre>
 * Within a few float ulps of the scalar twin (tanh's 3 ulp plus the rounding of u); which elements take the
 * scalar tail depends only on the run's length, so callers that split runs at multiples of {@link #lanes()} get the
 * same bits for any thread count.
 */
public final class VectorGelu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float K = (float) ScalarGelu.SQRT_2_OVER_PI;
    private static final float KC = (float) (ScalarGelu.SQRT_2_OVER_PI * ScalarGelu.CUBIC);
    private static final float KC3 = (float) (ScalarGelu.SQRT_2_OVER_PI * 3 * ScalarGelu.CUBIC);

    private VectorGelu() {}

    public static int lanes() {
        return L;
    }

    /** o = gelu(x) over a run. Modifies: o. */
    public static void forward(int n, float[] o, int oOff, int oStep, float[] x, int xOff, int xStep) {
        int i = 0;
        if (oStep == 1 && xStep == 1) {
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                FloatVector t = VectorMath.tanh(xv.mul(xv).fma(KC, K).mul(xv));
                FloatVector h = xv.mul(0.5f);
                h.fma(t, h).intoArray(o, oOff + i);
            }
        }
        ScalarGelu.forward(n - i, o, oOff + i * oStep, oStep, x, xOff + i * xStep, xStep);
    }

    /** o = g·gelu'(x) over a run; o may be g itself (same offset and step). Modifies: o. */
    public static void backward(int n, float[] o, int oOff, int oStep, float[] x, int xOff, int xStep,
                                float[] g, int gOff, int gStep) {
        int i = 0;
        if (oStep == 1 && xStep == 1 && gStep == 1) {
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                FloatVector x2 = xv.mul(xv);
                FloatVector t = VectorMath.tanh(x2.fma(KC, K).mul(xv));
                FloatVector sech2 = t.neg().fma(t, FloatVector.broadcast(S, 1f));      // 1 − t²
                FloatVector du = x2.fma(KC3, K);                                      // du/dx
                FloatVector d = xv.mul(0.5f).mul(sech2).fma(du, t.fma(0.5f, 0.5f));
                d.mul(FloatVector.fromArray(S, g, gOff + i)).intoArray(o, oOff + i);
            }
        }
        ScalarGelu.backward(n - i, o, oOff + i * oStep, oStep, x, xOff + i * xStep, xStep,
                g, gOff + i * gStep, gStep);
    }
}

package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * Activations with hand-written derivatives, each one node that saves only its input.
 *
 * <p><b>GELU</b> (Hendrycks &amp; Gimpel, "Gaussian Error Linear Units", 2016), y = x·Φ(x):
 * <pre>
 *   EXACT  y = ½x(1 + erf(x/√2))
 *          y' = ½(1 + erf(x/√2)) + x·φ(x),             φ(x) = e^(−x²/2)/√(2π)
 *   TANH   u = √(2/π)(x + 0.044715x³),  t = tanh u,  y = ½x(1 + t)
 *          y' = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)
 * </pre>
 * TANH is GPT-2's approximation (PyTorch {@code approximate="tanh"}); EXACT is PyTorch's default.
 */
public final class ActivationFns {
    private ActivationFns() {}

    /** Which GELU formula to use. */
    public enum Gelu {
        /** ½x(1 + erf(x/√2)). */
        EXACT,
        /** ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
        TANH
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double CUBIC = 0.044715;

    /** GELU with the given formula; shape unchanged. Saves x. */
    public static Variable gelu(Variable x, Gelu approximate) {
        if (approximate == null) {
            throw new IllegalArgumentException("gelu: approximate must be EXACT or TANH, got null");
        }
        Tensor xv = x.value();
        Tensor y = approximate == Gelu.TANH ? geluTanh(xv) : geluExact(xv);
        return Node.op("gelu", y).inputs(x).save(xv)
                .backward((ctx, g) -> {
                    Tensor xs = ctx.saved(0);
                    Tensor dy = approximate == Gelu.TANH ? geluTanhDerivative(xs) : geluExactDerivative(xs);
                    return new Tensor[] {dy.mulInPlace(g)};
                });
    }

    /** ½x(1 + erf(x/√2)). */
    private static Tensor geluExact(Tensor x) {
        return x.mul(INV_SQRT_2).erf().addInPlace(1).mulInPlace(x).mulInPlace(0.5);
    }

    /** ½(1 + erf(x/√2)) + x·e^(−x²/2)/√(2π). */
    private static Tensor geluExactDerivative(Tensor x) {
        Tensor density = x.square().mulInPlace(-0.5).exp().mulInPlace(x).mulInPlace(INV_SQRT_2PI); // x·φ(x)
        return x.mul(INV_SQRT_2).erf().addInPlace(1).mulInPlace(0.5).addInPlace(density);
    }

    /** t = tanh u with u = √(2/π)(x + 0.044715x³) = √(2/π)·x·(1 + 0.044715x²). */
    private static Tensor tanhOfCubic(Tensor x) {
        return x.square().mulInPlace(CUBIC).addInPlace(1).mulInPlace(x).mulInPlace(SQRT_2_OVER_PI).tanh();
    }

    /** ½x(1 + t). */
    private static Tensor geluTanh(Tensor x) {
        return tanhOfCubic(x).addInPlace(1).mulInPlace(x).mulInPlace(0.5);
    }

    /** ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²). */
    private static Tensor geluTanhDerivative(Tensor x) {
        Tensor t = tanhOfCubic(x);
        Tensor du = x.square().mulInPlace(3 * CUBIC).addInPlace(1).mulInPlace(SQRT_2_OVER_PI); // du/dx
        Tensor sech2 = t.square().mulInPlace(-1).addInPlace(1);                                  // 1 − t²
        Tensor inner = sech2.mulInPlace(du).mulInPlace(x).mulInPlace(0.5);                       // ½x(1 − t²)u'
        return t.addInPlace(1).mulInPlace(0.5).addInPlace(inner);
    }
}

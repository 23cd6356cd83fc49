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
 * TANH is GPT-2's approximation (PyTorch {@code approximate="tanh"}); EXACT is PyTorch's default. TANH runs as
 * one fused kernel each way ({@link Tensor#geluTanh()}, {@link Tensor#geluTanhBackward}; the backward recomputes
 * t from the saved x); EXACT is composed from elementwise ops.
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

    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** GELU with the given formula; shape unchanged. Saves x. */
    public static Variable gelu(Variable x, Gelu approximate) {
        if (approximate == null) {
            throw new IllegalArgumentException("gelu: approximate must be EXACT or TANH, got null");
        }
        Tensor xv = x.value();
        Tensor y = approximate == Gelu.TANH ? xv.geluTanh() : geluExact(xv);
        return Node.op("gelu", y).inputs(x).save(xv)
                .backward((ctx, g) -> {
                    Tensor xs = ctx.saved(0);
                    if (approximate == Gelu.TANH) {
                        // one fused pass; g may be broadcast-shaped or a view, so line it up with x first
                        Tensor gx = java.util.Arrays.equals(g.shape(), xs.shape()) ? g : g.expand(xs.shape());
                        return new Tensor[] {Tensor.geluTanhBackward(xs, gx)};
                    }
                    return new Tensor[] {geluExactDerivative(xs).mulInPlace(g)};
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
}

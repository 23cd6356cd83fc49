package org.mofa4j.autograd;

import java.util.ArrayList;
import java.util.List;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Normalisations over the last axis (C features), each one node with a hand-written backward that saves
 * x and the per-row statistics ([..., 1]) instead of the normalised x̂ ([..., C]).
 *
 * <p><b>LayerNorm</b> (Ba, Kiros &amp; Hinton, 2016), with μ and σ² the mean and population variance of a row:
 * <pre>
 *   r = 1/√(σ² + ε),  x̂ = (x − μ)·r,  y = x̂⊙w + b
 *   ĝ = g⊙w,  ∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)),  ∂w = Σ g⊙x̂,  ∂b = Σ g
 * </pre>
 * <b>RMSNorm</b> (Zhang &amp; Sennrich, 2019):
 * <pre>
 *   r = 1/√(mean(x²) + ε),  x̂ = x·r,  y = x̂⊙w
 *   ĝ = g⊙w,  ∂x = r·(ĝ − x̂·mean(ĝ⊙x̂)),  ∂w = Σ g⊙x̂
 * </pre>
 * Means run over the row (last axis); the sums for ∂w, ∂b over every leading axis. A null weight means w = 1
 * and a null bias b = 0 (no parameter, no gradient).
 */
public final class NormFns {
    private NormFns() {}

    /**
     * Layer normalisation of x [..., C] over its last axis; weight and bias are [C] or null. Saves x, μ and r.
     *
     * @param eps added to the variance, ≥ 0 (PyTorch's default is 1e-5)
     */
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        Tensor xv = x.value();
        checkArgs("layerNorm", xv, weight, bias, eps);
        Tensor mean = xv.mean(-1, true);                                              // [..., 1]
        Tensor rstd = xv.var(new int[] {-1}, true, 0).addInPlace(eps).rsqrt();        // [..., 1]
        Tensor y = xv.sub(mean).mulInPlace(rstd);                                     // x̂ [..., C]
        if (weight != null) {
            y.mulInPlace(weight.value());
        }
        if (bias != null) {
            y.addInPlace(bias.value());
        }
        Inputs in = new Inputs(x, weight, bias);
        return Node.op("layerNorm", y).inputs(in.variables()).save(in.saved(xv, mean, rstd))
                .backward((ctx, g) -> {
                    Tensor xs = ctx.saved(0);
                    Tensor r = ctx.saved(2);
                    Tensor xhat = xs.sub(ctx.saved(1)).mulInPlace(r);                // [..., C]
                    Tensor w = in.weight < 0 ? null : ctx.saved(3);
                    Tensor[] grads = new Tensor[in.count()];
                    if (ctx.needsGrad(0)) {
                        Tensor ghat = w == null ? g.copy() : g.mul(w);                // ĝ [..., C], fresh
                        Tensor meanG = ghat.mean(-1, true);                           // [..., 1]
                        Tensor meanGX = ghat.mul(xhat).mean(-1, true);                // [..., 1]
                        grads[0] = ghat.subInPlace(meanG).subInPlace(xhat.mul(meanGX)).mulInPlace(r);
                    }
                    if (in.weight >= 0 && ctx.needsGrad(in.weight)) {
                        grads[in.weight] = g.mul(xhat).sumTo(w.shape());            // [C]
                    }
                    if (in.bias >= 0 && ctx.needsGrad(in.bias)) {
                        grads[in.bias] = g.sumTo(ctx.inputShape(in.bias));           // [C]
                    }
                    return grads;
                });
    }

    /**
     * RMS normalisation of x [..., C] over its last axis; weight is [C] or null. Saves x and r.
     *
     * @param eps added to mean(x²), ≥ 0
     */
    public static Variable rmsNorm(Variable x, Variable weight, double eps) {
        Tensor xv = x.value();
        checkArgs("rmsNorm", xv, weight, null, eps);
        Tensor rstd = xv.square().mean(-1, true).addInPlace(eps).rsqrt();            // [..., 1]
        Tensor y = xv.mul(rstd);                                                      // x̂ [..., C]
        if (weight != null) {
            y.mulInPlace(weight.value());
        }
        Inputs in = new Inputs(x, weight, null);
        return Node.op("rmsNorm", y).inputs(in.variables()).save(in.saved(xv, rstd))
                .backward((ctx, g) -> {
                    Tensor r = ctx.saved(1);
                    Tensor xhat = ctx.saved(0).mul(r);                                // [..., C]
                    Tensor w = in.weight < 0 ? null : ctx.saved(2);
                    Tensor[] grads = new Tensor[in.count()];
                    if (ctx.needsGrad(0)) {
                        Tensor ghat = w == null ? g.copy() : g.mul(w);                // ĝ [..., C], fresh
                        Tensor meanGX = ghat.mul(xhat).mean(-1, true);                // [..., 1]
                        grads[0] = ghat.subInPlace(xhat.mul(meanGX)).mulInPlace(r);
                    }
                    if (in.weight >= 0 && ctx.needsGrad(in.weight)) {
                        grads[in.weight] = g.mul(xhat).sumTo(w.shape());            // [C]
                    }
                    return grads;
                });
    }

    private static void checkArgs(String op, Tensor x, Variable weight, Variable bias, double eps) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException(op + ": x must have a feature axis, got shape []");
        }
        int c = x.dim(-1);
        for (Variable p : new Variable[] {weight, bias}) {
            if (p == null) {
                continue;
            }
            String what = p == weight ? "weight" : "bias";
            if (p.value().rank() != 1 || p.value().dim(0) != c) {
                throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.str(p.shape())
                        + ", expected [" + c + "] for x of shape " + Shapes.str(x.shape()));
            }
            if (p.value().dtype() != x.dtype()) {
                throw new IllegalArgumentException(op + ": " + what + " is " + p.value().dtype() + " but x is "
                        + x.dtype());
            }
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be finite and ≥ 0, got " + eps);
        }
    }

    /** x plus the optional weight and bias, and where each lands in the input list (−1 when absent). */
    private static final class Inputs {
        private final List<Variable> list = new ArrayList<>(3);
        final int weight;
        final int bias;

        Inputs(Variable x, Variable weight, Variable bias) {
            list.add(x);
            this.weight = add(weight);
            this.bias = add(bias);
        }

        private int add(Variable v) {
            if (v == null) {
                return -1;
            }
            list.add(v);
            return list.size() - 1;
        }

        int count() {
            return list.size();
        }

        Variable[] variables() {
            return list.toArray(new Variable[0]);
        }

        /** The statistics to save, followed by the weight's value when there is a weight. */
        Tensor[] saved(Tensor... stats) {
            Tensor[] out = java.util.Arrays.copyOf(stats, stats.length + (weight < 0 ? 0 : 1));
            if (weight >= 0) {
                out[stats.length] = list.get(weight).value();
            }
            return out;
        }
    }
}

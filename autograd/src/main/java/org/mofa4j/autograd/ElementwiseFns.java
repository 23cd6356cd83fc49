package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * Differentiable elementwise ops with broadcasting. Each op's forward and backward sit together; the
 * gradient of a broadcast input is summed back to its shape with {@link Tensor#sumTo}.
 */
public final class ElementwiseFns {
    private ElementwiseFns() {}

    /** a + b. ∂/∂a = 1, ∂/∂b = 1. */
    public static Variable add(Variable a, Variable b) {
        return Node.op("add", a.value().add(b.value())).inputs(a, b)
                .backward((ctx, g) -> new Tensor[] {
                    ctx.needsGrad(0) ? g.sumTo(ctx.inputShape(0)) : null,
                    ctx.needsGrad(1) ? g.sumTo(ctx.inputShape(1)) : null});
    }

    /** a − b. ∂/∂a = 1, ∂/∂b = −1. */
    public static Variable sub(Variable a, Variable b) {
        return Node.op("sub", a.value().sub(b.value())).inputs(a, b)
                .backward((ctx, g) -> new Tensor[] {
                    ctx.needsGrad(0) ? g.sumTo(ctx.inputShape(0)) : null,
                    ctx.needsGrad(1) ? g.neg().sumTo(ctx.inputShape(1)) : null});
    }

    /** a ⊙ b. ∂/∂a = b, ∂/∂b = a. */
    public static Variable mul(Variable a, Variable b) {
        return Node.op("mul", a.value().mul(b.value())).inputs(a, b).save(a.value(), b.value())
                .backward((ctx, g) -> new Tensor[] {
                    ctx.needsGrad(0) ? g.mul(ctx.saved(1)).sumTo(ctx.inputShape(0)) : null,
                    ctx.needsGrad(1) ? g.mul(ctx.saved(0)).sumTo(ctx.inputShape(1)) : null});
    }

    /** a / b. ∂/∂a = 1/b, ∂/∂b = −a/b². */
    public static Variable div(Variable a, Variable b) {
        return Node.op("div", a.value().div(b.value())).inputs(a, b).save(a.value(), b.value())
                .backward((ctx, g) -> {
                    Tensor bv = ctx.saved(1);
                    Tensor ga = g.div(bv);
                    return new Tensor[] {
                        ctx.needsGrad(0) ? ga.sumTo(ctx.inputShape(0)) : null,
                        ctx.needsGrad(1) ? ga.mul(ctx.saved(0)).div(bv).neg().sumTo(ctx.inputShape(1)) : null};
                });
    }

    /** a^b. ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a (taken as 0 where a = 0, as PyTorch does). */
    public static Variable pow(Variable a, Variable b) {
        Tensor out = a.value().pow(b.value());
        return Node.op("pow", out).inputs(a, b).save(a.value(), b.value(), out)
                .backward((ctx, g) -> {
                    Tensor av = ctx.saved(0);
                    Tensor bv = ctx.saved(1);
                    Tensor ga = null;
                    Tensor gb = null;
                    if (ctx.needsGrad(0)) {
                        ga = g.mul(bv).mul(av.pow(bv.sub(1))).sumTo(ctx.inputShape(0));
                    }
                    if (ctx.needsGrad(1)) {
                        Tensor logA = Tensor.where(av.eq(0), Tensor.zerosLike(av), av.log());
                        gb = g.mul(ctx.saved(2)).mul(logA).sumTo(ctx.inputShape(1));
                    }
                    return new Tensor[] {ga, gb};
                });
    }

    /** a^p for a constant exponent p. ∂/∂a = p·a^(p−1). */
    public static Variable pow(Variable a, double p) {
        return Node.op("pow", a.value().pow(p)).inputs(a).save(a.value())
                .backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).pow(p - 1)).mul(p)});
    }

    /** a + s. */
    public static Variable add(Variable a, double s) {
        return Node.op("add", a.value().add(s)).inputs(a).backward((ctx, g) -> new Tensor[] {g});
    }

    /** a·s. */
    public static Variable mul(Variable a, double s) {
        return Node.op("mul", a.value().mul(s)).inputs(a).backward((ctx, g) -> new Tensor[] {g.mul(s)});
    }

    /** −a. */
    public static Variable neg(Variable a) {
        return Node.op("neg", a.value().neg()).inputs(a).backward((ctx, g) -> new Tensor[] {g.neg()});
    }

    /** eˣ. ∂ = eˣ (the saved output). */
    public static Variable exp(Variable a) {
        Tensor out = a.value().exp();
        return Node.op("exp", out).inputs(a).save(out).backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0))});
    }

    /** ln x. ∂ = 1/x. */
    public static Variable log(Variable a) {
        return Node.op("log", a.value().log()).inputs(a).save(a.value())
                .backward((ctx, g) -> new Tensor[] {g.div(ctx.saved(0))});
    }

    /** √x. ∂ = 1/(2√x). */
    public static Variable sqrt(Variable a) {
        Tensor out = a.value().sqrt();
        return Node.op("sqrt", out).inputs(a).save(out)
                .backward((ctx, g) -> new Tensor[] {g.div(ctx.saved(0)).mul(0.5)});
    }

    /** 1/√x. ∂ = −½·x^(−3/2) = −½·out³. */
    public static Variable rsqrt(Variable a) {
        Tensor out = a.value().rsqrt();
        return Node.op("rsqrt", out).inputs(a).save(out)
                .backward((ctx, g) -> {
                    Tensor o = ctx.saved(0);
                    return new Tensor[] {g.mul(o.mul(o).mul(o)).mul(-0.5)};
                });
    }

    /** tanh x. ∂ = 1 − tanh². */
    public static Variable tanh(Variable a) {
        Tensor out = a.value().tanh();
        return Node.op("tanh", out).inputs(a).save(out)
                .backward((ctx, g) -> {
                    Tensor o = ctx.saved(0);
                    return new Tensor[] {g.mul(o.mul(o).neg().add(1))};
                });
    }

    /** |x|. ∂ = sign(x) (0 at 0). */
    public static Variable abs(Variable a) {
        return Node.op("abs", a.value().abs()).inputs(a).save(a.value())
                .backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).sign())});
    }

    /** x². ∂ = 2x. */
    public static Variable square(Variable a) {
        return Node.op("square", a.value().square()).inputs(a).save(a.value())
                .backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0)).mul(2)});
    }

    /** σ(x) = 1/(1+e^−x). ∂ = σ(1−σ). */
    public static Variable sigmoid(Variable a) {
        Tensor out = a.value().sigmoid();
        return Node.op("sigmoid", out).inputs(a).save(out)
                .backward((ctx, g) -> {
                    Tensor s = ctx.saved(0);
                    return new Tensor[] {g.mul(s.mul(s.neg().add(1)))};
                });
    }

    /**
     * max(a, b) elementwise. The gradient goes to a where a &gt; b, to b where b &gt; a, and is split
     * equally where they tie (as PyTorch does).
     */
    public static Variable maximum(Variable a, Variable b) {
        return extremum("maximum", a, b, true);
    }

    /** min(a, b) elementwise; ties split the gradient equally. */
    public static Variable minimum(Variable a, Variable b) {
        return extremum("minimum", a, b, false);
    }

    private static Variable extremum(String name, Variable a, Variable b, boolean max) {
        Tensor out = max ? a.value().maximum(b.value()) : a.value().minimum(b.value());
        return Node.op(name, out).inputs(a, b).save(a.value(), b.value())
                .backward((ctx, g) -> {
                    Tensor av = ctx.saved(0);
                    Tensor bv = ctx.saved(1);
                    Tensor aWins = max ? av.gt(bv) : av.lt(bv);
                    Tensor tie = av.eq(bv).mul(0.5);
                    Tensor wa = aWins.add(tie);
                    Tensor wb = wa.neg().add(1);
                    return new Tensor[] {
                        ctx.needsGrad(0) ? g.mul(wa).sumTo(ctx.inputShape(0)) : null,
                        ctx.needsGrad(1) ? g.mul(wb).sumTo(ctx.inputShape(1)) : null};
                });
    }

    /** min(max(x, lo), hi). ∂ = 1 strictly inside [lo, hi] and at the bounds, 0 outside. */
    public static Variable clamp(Variable a, double lo, double hi) {
        return Node.op("clamp", a.value().clamp(lo, hi)).inputs(a).save(a.value())
                .backward((ctx, g) -> {
                    Tensor x = ctx.saved(0);
                    return new Tensor[] {g.mul(x.ge(lo).mul(x.le(hi)))};
                });
    }

    /** cond ≠ 0 ? a : b (cond is data, not differentiated). */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        Tensor out = Tensor.where(cond, a.value(), b.value());
        return Node.op("where", out).inputs(a, b).save(cond)
                .backward((ctx, g) -> {
                    Tensor c = ctx.saved(0);
                    Tensor zero = Tensor.zeros(g.dtype());
                    return new Tensor[] {
                        ctx.needsGrad(0) ? Tensor.where(c, g, zero).sumTo(ctx.inputShape(0)) : null,
                        ctx.needsGrad(1) ? Tensor.where(c, zero, g).sumTo(ctx.inputShape(1)) : null};
                });
    }
}

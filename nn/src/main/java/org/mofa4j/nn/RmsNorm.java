package org.mofa4j.nn;

import org.mofa4j.autograd.NormFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/** x/√(mean(x²) + eps)·γ over the last axis (Zhang &amp; Sennrich, 2019); γ starts at 1. */
public final class RmsNorm extends Module {
    private static final double EPS = 1e-6;
    private final Variable weight;

    public RmsNorm(int width) {
        this.weight = addParameter("weight", Tensor.ones(width));
    }

    public Variable forward(Variable x) {
        return NormFns.rmsNorm(x, weight, EPS);
    }
}

package org.mofa4j.nn;

import org.mofa4j.autograd.NormFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/** (x − mean)/√(var + eps)·γ + β over the last axis of width C; γ starts at 1, β at 0. */
public final class LayerNorm extends Module {
    private static final double EPS = 1e-5;
    private final Variable weight;
    private final Variable bias;

    public LayerNorm(int width) {
        this.weight = addParameter("weight", Tensor.ones(width));
        this.bias = addParameter("bias", Tensor.zeros(width));
    }

    public Variable forward(Variable x) {
        return NormFns.layerNorm(x, weight, bias, EPS);
    }
}

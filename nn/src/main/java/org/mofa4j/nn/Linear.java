package org.mofa4j.nn;

import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** y = x·Wᵀ + b with W [out, in] (PyTorch layout) and b [out]; x [..., in] → y [..., out]. */
public class Linear extends Module {
    private final int in;
    private final int out;
    private final Variable weight;
    private final Variable bias;

    /** Weights N(0, std), bias zero (or absent). */
    public Linear(int in, int out, boolean bias, double std, Rng rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = addParameter("weight", rng.normal(0, std, out, in));
        this.bias = bias ? addParameter("bias", Tensor.zeros(out)) : null;
    }

    public Variable forward(Variable x) {
        return bias == null ? MatmulFns.linear(x, weight) : MatmulFns.linear(x, weight, bias);
    }

    public Variable weight() {
        return weight;
    }

    /** The bias, or null. */
    public Variable bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }
}

package org.mofa4j.nn.train;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/** Gradient clipping by global norm, as PyTorch's clip_grad_norm_. */
public final class GradClipping {
    private GradClipping() {}

    /** ‖g‖ over all parameters' gradients (those present), accumulated in double. */
    public static double globalNorm(List<Variable> params) {
        double sq = 0;
        for (Variable p : params) {
            Tensor g = p.grad();
            if (g != null) {
                double n = g.norm();
                sq += n * n;
            }
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales every gradient by min(1, maxNorm/(‖g‖ + 1e-6)) in place. Returns the norm before clipping.
     * A non-finite norm is returned as is and nothing is scaled (the caller decides what to do).
     */
    public static double clipGlobalNorm(List<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clipGlobalNorm: max norm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Variable p : params) {
                if (p.grad() != null) {
                    p.grad().mulInPlace(coef);
                }
            }
        }
        return norm;
    }
}

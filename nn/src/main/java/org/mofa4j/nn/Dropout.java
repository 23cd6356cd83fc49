package org.mofa4j.nn;

import org.mofa4j.autograd.DropoutFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;

/** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1−p); identity in eval mode. */
public final class Dropout extends Module {
    private final double p;
    private final Rng rng;

    /** @param rng the generator masks are drawn from (shared by the model, saved in checkpoints) */
    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = rng;
    }

    public Variable forward(Variable x) {
        return p == 0 || !isTraining() ? x : DropoutFns.dropout(x, p, true, rng);
    }
}

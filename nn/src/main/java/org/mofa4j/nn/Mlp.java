package org.mofa4j.nn;

import org.mofa4j.autograd.ActivationFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;

/** The block's feed-forward part: x [..., C] → fc [..., 4C] → GELU (tanh form) → proj [..., C] → dropout. */
public final class Mlp extends Module {
    private final Linear fc;
    private final Linear proj;
    private final Dropout dropout;

    /** @param projStd init std of the output projection (GPT-2 scales residual projections down) */
    public Mlp(int width, double std, double projStd, double dropoutP, Rng init, Rng dropoutRng) {
        this.fc = addChild("fc", new Linear(width, 4 * width, true, std, init));
        this.proj = addChild("proj", new Linear(4 * width, width, true, projStd, init));
        this.dropout = new Dropout(dropoutP, dropoutRng);
        addChild("dropout", dropout);
    }

    public Variable forward(Variable x) {
        return dropout.forward(proj.forward(ActivationFns.gelu(fc.forward(x), ActivationFns.Gelu.TANH)));
    }
}

package org.mofa4j.nn;

import org.mofa4j.autograd.EmbeddingFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;

/** A lookup table: ids [...] → rows of W [count, width], giving [..., width]. */
public final class Embedding extends Module {
    private final Variable weight;

    public Embedding(int count, int width, double std, Rng rng) {
        if (count <= 0 || width <= 0) {
            throw new IllegalArgumentException("Embedding: sizes must be positive, got count=" + count + ", width="
                    + width);
        }
        this.weight = addParameter("weight", rng.normal(0, std, count, width));
    }

    public Variable forward(IntTensor ids) {
        return EmbeddingFns.embedding(weight, ids);
    }

    public Variable weight() {
        return weight;
    }
}

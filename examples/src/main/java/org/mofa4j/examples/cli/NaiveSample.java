package org.mofa4j.examples.cli;

import org.mofa4j.autograd.GradMode;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

final class NaiveSample {
    static String sample(Gpt model, Tokenizer tok, int n, long seed) {
        model.train(false);
        Rng rng = new Rng(seed);
        int ctx = model.config().context();
        int[] seq = new int[n + 1];
        seq[0] = tok.encode("\n")[0];
        try (GradMode.Scope s = GradMode.disabled()) {
            for (int i = 1; i <= n; i++) {
                int start = Math.max(0, i - ctx);
                int[] window = java.util.Arrays.copyOfRange(seq, start, i);
                Tensor logits = model.forward(IntTensor.wrap(window, 1, window.length)).value();
                Tensor last = logits.select(0, 0).select(0, window.length - 1).mul(1 / 0.8).softmax(0);
                double u = rng.nextDouble(), acc = 0;
                int pick = last.numel() - 1;
                for (int j = 0; j < last.numel(); j++) { acc += last.getFlat(j); if (u < acc) { pick = j; break; } }
                seq[i] = pick;
            }
        }
        return tok.decode(java.util.Arrays.copyOfRange(seq, 1, n + 1));
    }
}

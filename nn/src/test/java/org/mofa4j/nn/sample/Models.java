package org.mofa4j.nn.sample;

import java.util.Arrays;
import java.util.Map;
import org.mofa4j.autograd.GradMode;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** Small random GPTs and the full-forward reference the decoder is checked against. */
final class Models {
    /** 2 layers, 2 heads, width 16, context 12, vocab 20. */
    static final GptConfig SMALL = new GptConfig(2, 2, 16, 12, 20, 0.0);

    private Models() {}

    /**
     * A GPT whose parameters are redrawn large enough (matrices N(0, 0.5), LayerNorm γ = 1 + N(0, 0.2), biases
     * N(0, 0.2)) that attention is far from uniform and logits spread over several units: a wrong mask, scale or
     * position then moves the logits by much more than rounding.
     */
    static Gpt random(GptConfig config, long seed) {
        Gpt model = new Gpt(config, seed);
        model.train(false);
        Rng rng = new Rng(seed + 1000);
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            Tensor t = e.getValue();
            if (t.rank() == 2) {
                rng.normalInPlace(t, 0, 0.5);
            } else if (e.getKey().endsWith("ln1.weight") || e.getKey().endsWith("ln2.weight")
                    || e.getKey().equals("ln_f.weight")) {
                rng.normalInPlace(t, 1, 0.2);
            } else {
                rng.normalInPlace(t, 0, 0.2);
            }
        }
        return model;
    }

    /** Logits [T, V] of the full forward over ids (T ≤ context). */
    @SuppressWarnings("try") // the scope is used only for its close()
    static float[][] forwardLogits(Gpt model, int[] ids) {
        try (GradMode.Scope ignored = GradMode.disabled()) {
            Tensor logits = model.forward(IntTensor.of(ids, 1, ids.length)).value(); // [1, T, V]
            float[][] out = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                out[t] = logits.select(0, 0).select(0, t).toFloatArray();
            }
            return out;
        }
    }

    /** Logits [V] after the last id, from the full forward over the last {@code context} ids (nanoGPT's crop). */
    static float[] windowLogits(Gpt model, int[] ids) {
        int context = model.config().context();
        int[] window = ids.length > context ? Arrays.copyOfRange(ids, ids.length - context, ids.length) : ids;
        float[][] all = forwardLogits(model, window);
        return all[all.length - 1];
    }

    /** Lowest id of the largest value. */
    static int argmax(float[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Largest |a − b| relative to max(1, largest |b|). */
    static double relativeError(float[] a, float[] b) {
        double diff = 0;
        double scale = 1;
        for (int i = 0; i < b.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    /** Ids in [0, vocab) from a seeded generator. */
    static int[] randomIds(int n, int vocab, long seed) {
        Rng rng = new Rng(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        return ids;
    }
}

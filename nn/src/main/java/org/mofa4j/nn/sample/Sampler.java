package org.mofa4j.nn.sample;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Autoregressive generation on top of a {@link GptDecoder}: each new token is drawn from the logits after the
 * previous one and fed back.
 *
 * <p>Choosing a token from logits z [V] ({@link #pick}):
 * <pre>
 *   temperature τ = 0:   argmax z (the lowest id among equal maxima)
 *   τ &gt; 0:               candidates K = the k ids with the largest z (all V when k ≤ 0 or k ≥ V; among equal
 *                        logits the lower id comes first)
 *                        p(i) = exp((zᵢ − max z)/τ) / Σ_{j∈K} exp((zⱼ − max z)/τ)   for i ∈ K, 0 otherwise
 *                        draw u = rng.nextDouble() once and return the first i ∈ K (in id order) whose
 *                        cumulative p exceeds u
 * </pre>
 * Top-k = 1 is greedy, and so is a largest logit of +∞. Exactly one {@code nextDouble()} is drawn per token that
 * is sampled (none for a greedy choice), so a seed fixes the output. A NaN logit is an error, not a token.
 */
public final class Sampler {
    private final GptDecoder decoder;

    /** A sampler over a fresh {@link GptDecoder} of the model (sliding window at the context). */
    public Sampler(Gpt model) {
        this(new GptDecoder(model));
    }

    public Sampler(GptDecoder decoder) {
        if (decoder == null) {
            throw new IllegalArgumentException("Sampler: decoder is null");
        }
        this.decoder = decoder;
    }

    public GptDecoder decoder() {
        return decoder;
    }

    /** {@link #generate(int[], int, double, int, Rng, IntConsumer)} without a callback. */
    public int[] generate(int[] prompt, int maxNewTokens, double temperature, int topK, Rng rng) {
        return generate(prompt, maxNewTokens, temperature, topK, rng, null);
    }

    /**
     * Continues {@code prompt} by {@code maxNewTokens} tokens.
     *
     * @param prompt       ids in [0, vocab), at least one (a longer prompt than the context keeps its tail)
     * @param maxNewTokens ≥ 0
     * @param temperature  finite and ≥ 0; 0 is greedy
     * @param topK         ≤ 0 for no top-k filter
     * @param rng          the draws (advanced by one per token); may be null only when temperature is 0
     * @param onToken      told each new id as soon as it is chosen, or null
     * @return the new ids only, {@code maxNewTokens} of them
     */
    public int[] generate(int[] prompt, int maxNewTokens, double temperature, int topK, Rng rng,
            IntConsumer onToken) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("Sampler.generate: the prompt is empty; give at least one token"
                    + " (generateText starts an empty prompt for you)");
        }
        return run(prompt, maxNewTokens, temperature, topK, rng, onToken, decoder.config().vocab());
    }

    /** {@link #generateText(Tokenizer, String, int, double, int, Rng, Consumer)} without a callback. */
    public String generateText(Tokenizer tokenizer, String prompt, int maxNewTokens, double temperature, int topK,
            Rng rng) {
        return generateText(tokenizer, prompt, maxNewTokens, temperature, topK, rng, null);
    }

    /**
     * Encodes {@code prompt}, generates, and decodes the new tokens. An empty prompt starts from the tokenizer's
     * encoding of {@code "\n"} when that is a single id (a fresh line, as most corpora have many), else from id 0;
     * that start token is not part of the result. Only ids below {@code tokenizer.vocabSize()} are sampled, so a
     * model whose vocabulary is padded beyond the tokenizer's never produces an undecodable id.
     *
     * @param onText told pieces of text as they become decodable (a byte-level multi-byte character is held back
     *               until complete; see {@link TextStream}), or null
     * @return the decoded new text (without the prompt)
     */
    public String generateText(Tokenizer tokenizer, String prompt, int maxNewTokens, double temperature, int topK,
            Rng rng, Consumer<String> onText) {
        if (tokenizer == null || prompt == null) {
            throw new IllegalArgumentException("Sampler.generateText: tokenizer and prompt must not be null");
        }
        int vocab = decoder.config().vocab();
        if (tokenizer.vocabSize() > vocab) {
            throw new IllegalArgumentException("Sampler.generateText: the tokenizer has " + tokenizer.vocabSize()
                    + " ids but the model only " + vocab);
        }
        int[] ids = prompt.isEmpty() ? new int[] {startToken(tokenizer)} : tokenizer.encode(prompt);
        TextStream stream = onText == null ? null : new TextStream(tokenizer, onText);
        int[] out = run(ids, maxNewTokens, temperature, topK, rng, stream, tokenizer.vocabSize());
        if (stream != null) {
            stream.flush();
        }
        return tokenizer.decode(out);
    }

    /** The id of "\n" when it encodes to exactly one id, else 0. */
    static int startToken(Tokenizer tokenizer) {
        try {
            int[] newline = tokenizer.encode("\n");
            return newline.length == 1 ? newline[0] : 0;
        } catch (IllegalArgumentException unknownCharacter) { // a CharTokenizer that never saw a newline
            return 0;
        }
    }

    private int[] run(int[] prompt, int maxNewTokens, double temperature, int topK, Rng rng, IntConsumer onToken,
            int candidates) {
        checkTemperature(temperature);
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("Sampler.generate: maxNewTokens must be ≥ 0, got " + maxNewTokens);
        }
        if (temperature > 0 && rng == null) {
            throw new IllegalArgumentException("Sampler.generate: rng is null but temperature " + temperature
                    + " samples; pass an Rng or use temperature 0");
        }
        int[] out = new int[maxNewTokens];
        if (maxNewTokens == 0) {
            return out;
        }
        Tensor logits = decoder.prefill(prompt);
        for (int i = 0; i < maxNewTokens; i++) {
            float[] z = logits.toFloatArray();
            out[i] = pick(candidates == z.length ? z : Arrays.copyOf(z, candidates), temperature, topK, rng);
            if (onToken != null) {
                onToken.accept(out[i]);
            }
            if (i + 1 < maxNewTokens) {
                logits = decoder.next(out[i]);
            }
        }
        return out;
    }

    /**
     * One token from logits (see the class comment for the rule).
     *
     * @throws IllegalArgumentException for empty logits or a bad temperature
     * @throws IllegalStateException    if a logit is NaN (a diverged model)
     */
    public static int pick(float[] logits, double temperature, int topK, Rng rng) {
        checkTemperature(temperature);
        if (logits.length == 0) {
            throw new IllegalArgumentException("Sampler.pick: logits are empty");
        }
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            if (Float.isNaN(logits[i])) {
                throw new IllegalStateException("Sampler.pick: logit of id " + i + " is NaN");
            }
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        if (temperature == 0 || topK == 1 || Float.isInfinite(logits[best])) {
            return best; // an infinite maximum (+∞, or all −∞) leaves no distribution to sample
        }
        if (rng == null) {
            throw new IllegalArgumentException("Sampler.pick: rng is null but temperature " + temperature
                    + " samples");
        }
        boolean[] keep = topK(logits, topK);
        double max = logits[best];
        double[] weight = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            if (keep[i]) {
                weight[i] = Math.exp((logits[i] - max) / temperature); // ≤ 1; the maximum gives exactly 1
                total += weight[i];
            }
        }
        double u = rng.nextDouble() * total;
        int last = best;
        for (int i = 0; i < logits.length; i++) {
            if (keep[i] && weight[i] > 0) {
                last = i;
                u -= weight[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last; // rounding left u ≥ 0 after the whole mass: the last id with weight
    }

    /** Which ids are among the k largest logits (all when k ≤ 0 or k ≥ V); ties go to the lower id. */
    private static boolean[] topK(float[] logits, int k) {
        boolean[] keep = new boolean[logits.length];
        if (k <= 0 || k >= logits.length) {
            Arrays.fill(keep, true);
            return keep;
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - k];           // the k-th largest value
        int taken = 0;
        for (int i = 0; i < logits.length; i++) {       // everything above it
            if (logits[i] > kth) {
                keep[i] = true;
                taken++;
            }
        }
        for (int i = 0; i < logits.length && taken < k; i++) { // then ties at it, lowest ids first
            if (logits[i] == kth) {
                keep[i] = true;
                taken++;
            }
        }
        return keep;
    }

    private static void checkTemperature(double temperature) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("Sampler: temperature must be finite and ≥ 0 (0 = greedy), got "
                    + temperature);
        }
    }
}

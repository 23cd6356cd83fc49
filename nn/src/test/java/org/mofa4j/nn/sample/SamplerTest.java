package org.mofa4j.nn.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.ByteTokenizer;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.tensor.Rng;

/** Greedy and sampled generation: what is drawn, how often, and what is refused. */
class SamplerTest {
    private final Gpt model = Models.random(Models.SMALL, 11);
    private final Sampler sampler = new Sampler(model);

    @Test
    void greedyEqualsArgmaxOfTheFullForwardRepeated() {
        int[] prompt = {3, 1, 4};
        int steps = 30; // crosses the context of 12 twice
        int[] generated = sampler.generate(prompt, steps, 0.0, 0, null);

        int[] seq = prompt.clone();
        for (int i = 0; i < steps; i++) {
            int id = Models.argmax(Models.windowLogits(model, seq));
            assertEquals(id, generated[i], "token " + i);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = id;
        }
    }

    @Test
    void topKOneIsGreedy() {
        int[] prompt = {5, 5, 2};
        int[] greedy = sampler.generate(prompt, 20, 0.0, 0, null);
        assertArrayEquals(greedy, sampler.generate(prompt, 20, 1.0, 1, new Rng(1)));
        assertArrayEquals(greedy, sampler.generate(prompt, 20, 3.0, 1, new Rng(2)));
    }

    @Test
    void sameSeedSameSamplesOtherSeedOtherSamples() {
        int[] prompt = {0};
        int[] a = sampler.generate(prompt, 40, 1.0, 0, new Rng(42));
        int[] b = sampler.generate(prompt, 40, 1.0, 0, new Rng(42));
        int[] c = sampler.generate(prompt, 40, 1.0, 0, new Rng(43));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "seeds 42 and 43 gave the same 40 tokens");
    }

    @Test
    void streamingCallbackSeesEveryTokenInOrder() {
        List<Integer> seen = new ArrayList<>();
        int[] out = sampler.generate(new int[] {7}, 15, 0.8, 5, new Rng(3), seen::add);
        assertEquals(out.length, seen.size());
        for (int i = 0; i < out.length; i++) {
            assertEquals(out[i], seen.get(i));
        }
    }

    @Test
    void zeroNewTokensGivesAnEmptyResult() {
        assertEquals(0, sampler.generate(new int[] {1}, 0, 1.0, 0, new Rng(1)).length);
    }

    @Test
    void samplingFrequenciesFollowTheTemperedSoftmax() {
        float[] logits = {0.5f, -1f, 2f, 1f, 0f};
        double temperature = 0.8;
        int draws = 40_000;
        int[] counts = new int[logits.length];
        Rng rng = new Rng(2024);
        for (int i = 0; i < draws; i++) {
            counts[Sampler.pick(logits, temperature, 0, rng)]++;
        }
        // χ² with 4 degrees of freedom; P(χ² > 18.47) = 0.001.
        assertTrue(chiSquare(counts, softmax(logits, temperature, logits.length)) < 18.47,
                Arrays.toString(counts));
    }

    @Test
    void topKSamplesOnlyTheKLargestInProportion() {
        float[] logits = {1f, 3f, -2f, 2.5f, 2f, 0f};
        int draws = 40_000;
        int[] counts = new int[logits.length];
        Rng rng = new Rng(7);
        for (int i = 0; i < draws; i++) {
            counts[Sampler.pick(logits, 1.0, 3, rng)]++;
        }
        assertEquals(0, counts[0] + counts[2] + counts[5], "ids outside the top 3 were drawn");
        double[] p = softmax(logits, 1.0, 3);
        int[] kept = {counts[1], counts[3], counts[4]};
        double[] pKept = {p[1], p[3], p[4]};
        // 2 degrees of freedom; P(χ² > 13.82) = 0.001.
        assertTrue(chiSquare(kept, pKept) < 13.82, Arrays.toString(counts));
    }

    @Test
    void aHigherTemperatureFlattensTheDistribution() {
        float[] logits = {0f, 2f};
        int draws = 20_000;
        int cold = 0;
        int hot = 0;
        Rng rng = new Rng(5);
        for (int i = 0; i < draws; i++) {
            cold += Sampler.pick(logits, 0.5, 0, rng) == 0 ? 1 : 0;
            hot += Sampler.pick(logits, 4.0, 0, rng) == 0 ? 1 : 0;
        }
        double pCold = 1 / (1 + Math.exp(4));   // e^0 / (e^0 + e^{2/0.5})
        double pHot = 1 / (1 + Math.exp(0.5));
        assertEquals(pCold, (double) cold / draws, 0.005);
        assertEquals(pHot, (double) hot / draws, 0.015);
    }

    @Test
    void greedyTakesTheLowestIdAmongTies() {
        assertEquals(1, Sampler.pick(new float[] {0f, 3f, 3f, -1f}, 0.0, 0, null));
        assertEquals(1, Sampler.pick(new float[] {0f, 3f, 3f, -1f}, 2.0, 1, new Rng(1)));
    }

    @Test
    void topKBreaksTiesAtTheBoundaryTowardTheLowerId() {
        float[] logits = {1f, 2f, 1f, 1f, 0f};
        int[] counts = new int[logits.length];
        Rng rng = new Rng(8);
        for (int i = 0; i < 3000; i++) {
            counts[Sampler.pick(logits, 1.0, 3, rng)]++;
        }
        // Top 3 = id 1 and the two lowest of the tied ids 0, 2, 3.
        assertEquals(0, counts[3] + counts[4], Arrays.toString(counts));
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, Arrays.toString(counts));
    }

    @Test
    void rejectsBadArguments() {
        Rng rng = new Rng(1);
        assertMessage(() -> sampler.generate(new int[] {1}, 5, -0.1, 0, rng), "temperature");
        assertMessage(() -> sampler.generate(new int[] {1}, 5, Double.NaN, 0, rng), "temperature");
        assertMessage(() -> sampler.generate(new int[] {1}, 5, Double.POSITIVE_INFINITY, 0, rng), "temperature");
        assertMessage(() -> sampler.generate(new int[] {1}, -1, 1.0, 0, rng), "maxNewTokens");
        assertMessage(() -> sampler.generate(new int[0], 5, 1.0, 0, rng), "prompt is empty");
        assertMessage(() -> sampler.generate(null, 5, 1.0, 0, rng), "prompt is empty");
        assertMessage(() -> sampler.generate(new int[] {1}, 5, 1.0, 0, null), "rng is null");
        assertMessage(() -> sampler.generate(new int[] {20}, 5, 0.0, 0, null), "outside [0, 20)");
        assertMessage(() -> Sampler.pick(new float[0], 0.0, 0, null), "empty");
        assertThrows(IllegalStateException.class, () -> Sampler.pick(new float[] {1f, Float.NaN}, 1.0, 0, rng));
    }

    @Test
    void generateTextDecodesTheNewTokensAndStreamsThem() {
        Gpt byteModel = Models.random(new GptConfig(1, 2, 16, 16, 256, 0.0), 5);
        Sampler s = new Sampler(byteModel);
        ByteTokenizer tok = ByteTokenizer.INSTANCE;
        StringBuilder streamed = new StringBuilder();
        String text = s.generateText(tok, "ab", 25, 1.0, 0, new Rng(9), streamed::append);
        int[] ids = s.generate(tok.encode("ab"), 25, 1.0, 0, new Rng(9));
        assertEquals(tok.decode(ids), text);
        assertEquals(text, streamed.toString());
    }

    @Test
    void anEmptyTextPromptStartsFromANewline() {
        Gpt byteModel = Models.random(new GptConfig(1, 2, 16, 16, 256, 0.0), 6);
        Sampler s = new Sampler(byteModel);
        String text = s.generateText(ByteTokenizer.INSTANCE, "", 10, 0.0, 0, null);
        assertEquals(ByteTokenizer.INSTANCE.decode(s.generate(new int[] {'\n'}, 10, 0.0, 0, null)), text);
        CharTokenizer noNewline = CharTokenizer.fromCorpus("abc");
        assertEquals(0, Sampler.startToken(noNewline));
    }

    @Test
    void generateTextNeverSamplesIdsTheTokenizerCannotDecode() {
        // vocab 20 model, 3-character tokenizer: only ids 0..2 may come out, at any temperature.
        CharTokenizer tok = CharTokenizer.fromCorpus("xyz");
        String text = sampler.generateText(tok, "xy", 60, 5.0, 0, new Rng(4));
        assertEquals(60, text.length());
        assertTrue(text.chars().allMatch(ch -> ch == 'x' || ch == 'y' || ch == 'z'), text);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" lacks \"" + part + "\"");
    }

    /** softmax(z/τ) over the k largest (k = length: all), zero elsewhere. */
    private static double[] softmax(float[] z, double temperature, int k) {
        float[] sorted = z.clone();
        Arrays.sort(sorted);
        float threshold = sorted[sorted.length - k];
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = z[i] >= threshold ? Math.exp(z[i] / temperature) : 0;
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double chiSquare(int[] counts, double[] p) {
        int n = Arrays.stream(counts).sum();
        double chi = 0;
        for (int i = 0; i < counts.length; i++) {
            double expected = n * p[i];
            chi += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        return chi;
    }
}

package org.mofa4j.nn.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.LoraConfig;
import org.mofa4j.nn.sample.GptDecoder.OnFullContext;
import org.mofa4j.tensor.Tensor;

/** The cached decoder computes exactly what the full forward computes, position by position. */
class GptDecoderTest {
    private static final double TOL = 1e-5;
    private final Gpt model = Models.random(Models.SMALL, 7);
    private final int context = Models.SMALL.context();

    private static void assertClose(float[] expected, Tensor actual, String where) {
        assertEquals(1, actual.rank(), where);
        float[] a = actual.toFloatArray();
        double err = Models.relativeError(a, expected);
        assertTrue(err <= TOL, where + ": relative error " + err + "\n expected " + Arrays.toString(expected)
                + "\n got      " + Arrays.toString(a));
    }

    @Test
    void prefillThenNextMatchesTheFullForwardAtEveryPosition() {
        int[] ids = Models.randomIds(context, Models.SMALL.vocab(), 1);
        float[][] full = Models.forwardLogits(model, ids);
        GptDecoder decoder = new GptDecoder(model);
        int promptLength = 4;
        assertClose(full[promptLength - 1], decoder.prefill(Arrays.copyOf(ids, promptLength)), "prefill");
        for (int t = promptLength; t < context; t++) {
            assertClose(full[t], decoder.next(ids[t]), "next at position " + t);
            assertEquals(t + 1, decoder.length());
        }
    }

    @Test
    void prefillOfEveryLengthMatchesTheFullForward() {
        int[] ids = Models.randomIds(context, Models.SMALL.vocab(), 2);
        float[][] full = Models.forwardLogits(model, ids);
        GptDecoder decoder = new GptDecoder(model);
        for (int t = 1; t <= context; t++) {
            assertClose(full[t - 1], decoder.prefill(Arrays.copyOf(ids, t)), "prefill of " + t + " tokens");
        }
    }

    @Test
    void slidingPastTheContextMatchesTheForwardOverTheLastWindow() {
        int[] ids = Models.randomIds(2 * context + 5, Models.SMALL.vocab(), 3);
        GptDecoder decoder = new GptDecoder(model);
        decoder.prefill(new int[] {ids[0]});
        for (int n = 2; n <= ids.length; n++) {
            Tensor logits = decoder.next(ids[n - 1]);
            int[] seen = Arrays.copyOf(ids, n);
            assertClose(Models.windowLogits(model, seen), logits, "sequence of " + n + " tokens");
            assertArrayEquals(Arrays.copyOfRange(seen, Math.max(0, n - context), n), decoder.tokens());
        }
    }

    @Test
    void aPromptLongerThanTheContextKeepsItsTail() {
        int[] ids = Models.randomIds(context + 7, Models.SMALL.vocab(), 4);
        GptDecoder decoder = new GptDecoder(model);
        assertClose(Models.windowLogits(model, ids), decoder.prefill(ids), "long prompt");
        assertEquals(context, decoder.length());
    }

    @Test
    void aShorterSlideKeepReprefillsTheKeptTokensAndThenGrowsAgain() {
        int keep = 5;
        int[] ids = Models.randomIds(context + 4, Models.SMALL.vocab(), 5);
        GptDecoder decoder = new GptDecoder(model, OnFullContext.SLIDE, keep);
        decoder.prefill(Arrays.copyOf(ids, context));
        // The next token slides: the window restarts at the last `keep` tokens plus the new one, then grows.
        int windowStart = context - keep;
        for (int n = context + 1; n <= ids.length; n++) {
            Tensor logits = decoder.next(ids[n - 1]);
            int[] window = Arrays.copyOfRange(ids, windowStart, n);
            float[][] full = Models.forwardLogits(model, window);
            assertClose(full[window.length - 1], logits, "window [" + windowStart + ", " + n + ")");
            assertEquals(window.length, decoder.length());
        }
    }

    @Test
    void throwPolicyRefusesToGrowPastTheContext() {
        GptDecoder decoder = new GptDecoder(model, OnFullContext.THROW, 0);
        int[] ids = Models.randomIds(context + 1, Models.SMALL.vocab(), 6);
        decoder.prefill(Arrays.copyOf(ids, context));
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> decoder.next(1));
        assertTrue(full.getMessage().contains("context of 12"), full.getMessage());
        IllegalArgumentException longPrompt = assertThrows(IllegalArgumentException.class,
                () -> decoder.prefill(ids));
        assertTrue(longPrompt.getMessage().contains("13 tokens"), longPrompt.getMessage());
    }

    @Test
    void nextOnAFreshDecoderIsAOneTokenPrefill() {
        float[][] full = Models.forwardLogits(model, new int[] {9, 3});
        GptDecoder decoder = new GptDecoder(model);
        assertClose(full[0], decoder.next(9), "first next");
        assertClose(full[1], decoder.next(3), "second next");
    }

    @Test
    void prefillStartsANewSequence() {
        GptDecoder decoder = new GptDecoder(model);
        decoder.prefill(new int[] {1, 2, 3, 4, 5});
        decoder.next(6);
        float[][] full = Models.forwardLogits(model, new int[] {7, 8});
        assertClose(full[1], decoder.prefill(new int[] {7, 8}), "second prefill");
        assertEquals(2, decoder.length());
    }

    @Test
    void decoderUsesTheModelsLiveWeights() {
        GptDecoder decoder = new GptDecoder(model);
        int[] prompt = {4, 11, 2};
        float[] before = decoder.prefill(prompt).toFloatArray();

        model.stateDict().get("blocks.1.mlp.fc.weight").mulInPlace(-1.5);
        float[] after = decoder.prefill(prompt).toFloatArray();
        assertTrue(Models.relativeError(after, before) > 1e-2, "changing a weight must change the logits");
        assertClose(Models.windowLogits(model, prompt), Tensor.vector(after), "after an in-place change");

        Map<String, Tensor> other = new LinkedHashMap<>(Models.random(Models.SMALL, 99).stateDict());
        model.loadStateDict(other);
        assertClose(Models.windowLogits(model, prompt), decoder.prefill(prompt), "after loadStateDict");
    }

    @Test
    void decoderSharesTheWeightTensorsInsteadOfCopying() {
        GptDecoder decoder = new GptDecoder(model);
        Tensor wte = model.stateDict().get("wte.weight");
        wte.zero(); // every embedding and the tied head are zero: all logits equal
        float[] logits = decoder.prefill(new int[] {1, 2}).toFloatArray();
        for (float z : logits) {
            assertEquals(0f, z);
        }
        assertSame(wte, model.tokenEmbedding().weight().value());
    }

    @Test
    void refusesLoraAdaptersUntilTheyAreMerged() {
        GptDecoder early = new GptDecoder(model);             // built before the adapters
        Lora.apply(model, new LoraConfig(2, 4.0, 0.0), 5);
        new org.mofa4j.tensor.Rng(6).normalInPlace(model.stateDict().get("blocks.0.mlp.fc.lora.B"), 0, 0.5);
        int[] prompt = {3, 14, 15};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> early.prefill(prompt));
        assertTrue(e.getMessage().contains("Lora.merge"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new GptDecoder(model));

        float[] adapted = Models.windowLogits(model, prompt);
        Lora.merge(model);
        assertClose(adapted, early.prefill(prompt), "merged adapters, decoder built before");
        assertClose(adapted, new GptDecoder(model).prefill(prompt), "merged adapters, new decoder");
    }

    @Test
    void rejectsBadTokensAndSettings() {
        GptDecoder decoder = new GptDecoder(model);
        assertThrows(IllegalArgumentException.class, () -> decoder.prefill(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> decoder.prefill(null));
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> decoder.prefill(new int[] {1, 20}));
        assertTrue(outside.getMessage().contains("token 20 at position 1"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> decoder.next(-1));
        assertThrows(IllegalArgumentException.class, () -> new GptDecoder(model, OnFullContext.SLIDE, context));
        assertThrows(IllegalArgumentException.class, () -> new GptDecoder(model, OnFullContext.SLIDE, -1));
        assertThrows(IllegalArgumentException.class, () -> new GptDecoder(model, null, 0));
    }

    @Test
    void cacheHoldsOneBlockPerLayerPreallocatedToTheContext() {
        GptDecoder decoder = new GptDecoder(model);
        KvCache cache = decoder.cache();
        assertEquals(Models.SMALL.layers(), cache.layers());
        assertEquals(context, cache.capacity());
        decoder.prefill(new int[] {1, 2, 3});
        assertArrayEquals(new int[] {2, 3, 8}, cache.keys(0, 3).shape());
        assertArrayEquals(new int[] {2, 3, 8}, cache.values(1, 3).shape());
        assertNotEquals(0.0, cache.keys(1, 3).norm());
    }

    @Test
    void contextOfOneSlidesEveryToken() {
        Gpt one = Models.random(new GptConfig(1, 1, 8, 1, 5, 0.0), 3);
        GptDecoder decoder = new GptDecoder(one);
        decoder.prefill(new int[] {2});
        assertClose(Models.windowLogits(one, new int[] {4}), decoder.next(4), "slide with keep 0");
    }
}

package org.mofa4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/** The GPT's structure: names, counts, tying, initialisation, shapes and validation. */
class GptTest {
    private static final GptConfig SMALL = new GptConfig(2, 2, 16, 8, 11, 0.0);

    @Test
    void parameterNamesAreHierarchicalAndTheHeadIsTied() {
        Gpt gpt = new Gpt(SMALL, 1);
        List<String> names = List.copyOf(gpt.namedParameters().keySet());
        assertEquals(List.of("wte.weight", "wpe.weight",
                "blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.ln2.weight", "blocks.0.ln2.bias",
                "blocks.0.mlp.fc.weight", "blocks.0.mlp.fc.bias", "blocks.0.mlp.proj.weight", "blocks.0.mlp.proj.bias"),
                names.subList(0, 14));
        assertEquals("ln_f.bias", names.get(names.size() - 1));
        assertEquals("blocks.1.attn.qkv.weight", gpt.namedParameters().get("blocks.1.attn.qkv.weight").name());
    }

    @Test
    void parameterCountMatchesTheFormula() {
        // V·C + T·C + L·(12C² + 13C) + 2C with a tied head
        int c = 16;
        long expected = 11L * c + 8L * c + 2L * (12L * c * c + 13L * c) + 2L * c;
        assertEquals(expected, new Gpt(SMALL, 1).parameterCount());
        assertEquals(834_304 - 256 * 128 + 256 * 128, new Gpt(GptConfig.tiny(), 1).parameterCount());
    }

    @Test
    void initialisationFollowsGpt2() {
        GptConfig cfg = new GptConfig(4, 4, 64, 16, 50, 0.0);
        Map<String, Variable> p = new Gpt(cfg, 3).namedParameters();
        assertEquals(0.02, std(p.get("blocks.0.attn.qkv.weight").value()), 0.002);
        assertEquals(0.02 / Math.sqrt(8), std(p.get("blocks.2.attn.proj.weight").value()), 0.001);
        assertEquals(0.02 / Math.sqrt(8), std(p.get("blocks.3.mlp.proj.weight").value()), 0.0007);
        assertEquals(1.0, p.get("ln_f.weight").value().getFlat(5));
        assertEquals(0.0, p.get("blocks.1.mlp.fc.bias").value().norm());
    }

    private static double std(Tensor t) {
        double s = 0;
        double sq = 0;
        int n = t.numel();
        for (int i = 0; i < n; i++) {
            s += t.getFlat(i);
            sq += t.getFlat(i) * t.getFlat(i);
        }
        return Math.sqrt(sq / n - (s / n) * (s / n));
    }

    @Test
    void logitsHaveShapeBTVAndInitialLossIsNearLogV() {
        Gpt gpt = new Gpt(SMALL, 1);
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4};
        Variable logits = gpt.forward(IntTensor.wrap(ids, 2, 6));
        assertArrayEquals(new int[] {2, 6, 11}, logits.shape());
        int[] targets = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            targets[i] = (ids[i] * 5 + 3) % 11; // unrelated to the input (the tied head favours target = input)
        }
        double loss = gpt.loss(IntTensor.wrap(ids, 2, 6), IntTensor.wrap(targets, 2, 6)).value().item();
        assertEquals(Math.log(11), loss, 0.1);
    }

    @Test
    void tiedHeadReceivesGradientFromBothUses() {
        Gpt gpt = new Gpt(SMALL, 1);
        int[] ids = {1, 2, 3, 4};
        gpt.loss(IntTensor.wrap(ids, 1, 4), IntTensor.wrap(new int[] {2, 3, 4, 5}, 1, 4)).backward();
        Tensor g = gpt.tokenEmbedding().weight().grad();
        // token 9 never appears as input, so its row's gradient comes only from the output head
        double row9 = 0;
        for (int c = 0; c < 16; c++) {
            row9 += Math.abs(g.get(9, c));
        }
        assertTrue(row9 > 0, "the head's gradient reaches wte");
        assertSame(gpt.namedParameters().get("wte.weight"), gpt.tokenEmbedding().weight());
    }

    @Test
    void sequencesLongerThanTheContextAreRefused() {
        Gpt gpt = new Gpt(SMALL, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gpt.forward(IntTensor.wrap(new int[9], 1, 9)));
        assertTrue(e.getMessage().contains("exceeds the context 8"), e.getMessage());
    }

    @Test
    void invalidConfigsAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GptConfig(2, 3, 16, 8, 11, 0))
                .getMessage().contains("heads (3) must divide the width (16)"));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(0, 2, 16, 8, 11, 0));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(2, 2, 16, -1, 11, 0));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(2, 2, 16, 8, 11, 1.0));
    }

    @Test
    void stateDictRoundTripsAndRefusesMismatches() {
        Gpt a = new Gpt(SMALL, 1);
        Gpt b = new Gpt(SMALL, 2);
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.stateDict().get("blocks.1.mlp.fc.weight").toFloatArray(),
                b.stateDict().get("blocks.1.mlp.fc.weight").toFloatArray());
        Gpt wide = new Gpt(new GptConfig(2, 2, 32, 8, 11, 0.0), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wide.loadStateDict(a.stateDict()));
        assertTrue(e.getMessage().contains("wte.weight") && e.getMessage().contains("[11, 16]"), e.getMessage());
    }

    @Test
    void dropoutIsActiveOnlyInTraining() {
        Gpt gpt = new Gpt(new GptConfig(1, 2, 16, 8, 11, 0.5), 1);
        IntTensor ids = IntTensor.wrap(new int[] {1, 2, 3, 4}, 1, 4);
        gpt.train(false);
        float[] eval1 = gpt.forward(ids).value().toFloatArray();
        float[] eval2 = gpt.forward(ids).value().toFloatArray();
        assertArrayEquals(eval1, eval2);
        gpt.train(true);
        float[] train1 = gpt.forward(ids).value().toFloatArray();
        float[] train2 = gpt.forward(ids).value().toFloatArray();
        assertTrue(!java.util.Arrays.equals(train1, train2), "fresh dropout masks each forward");
    }
}

package org.mofa4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mofa4j.nn.GptConfig;

/**
 * The GPT-2 fine-tuning benchmark's code path for every method on a tiny model (the 124M run takes minutes and
 * gigabytes: {@code mofa4j bench gpt2}). No timing is asserted; the memory figures must order as the methods do.
 */
class Gpt2FinetuneBenchmarkTest {
    private static final GptConfig TINY = new GptConfig(1, 2, 16, 64, 64, 0.0);

    @Test
    void everyMethodRunsAndReportsItsMemory() {
        long adamwState = -1;
        for (String method : Gpt2FinetuneBenchmark.METHODS) {
            Gpt2FinetuneBenchmark.Result r = Gpt2FinetuneBenchmark.measureHere(method, TINY, 1, 2);
            assertEquals(2, r.stepMillis().length, method);
            assertTrue(r.stepMillis()[0] > 0 && r.cpuMillisPerStep() > 0, method);
            assertTrue(Double.isFinite(r.firstLoss()) && Double.isFinite(r.lastLoss()), method);
            assertTrue(r.liveBytes() > 0 && r.peakBytes() > 0, method);
            if (!method.equals("adamw") && !method.equals("lora")) {
                assertTrue(r.stateBytes() < adamwState, method + " keeps less state than AdamW");
            }
            switch (method) {
                case "adamw" -> {
                    adamwState = r.stateBytes();
                    assertEquals(2 * 4 * r.trainable(), adamwState, "AdamW keeps m and v in float32");
                    assertEquals(4 * r.trainable(), r.gradientBytes(), "every gradient is held at the step");
                }
                case "lora" -> assertTrue(r.trainable() < 30_000 && r.gradientBytes() == 4 * r.trainable(), method);
                case "adalomo" -> assertEquals(0, r.gradientBytes(), "AdaLomo consumes gradients in backward");
                // hidden matrices qkv 16×48, proj 16×16, fc 16×64, proj 64×16: 3,072 weights whose gradients
                // the hooks consume; the AdamW fallback's (wte, wpe, vectors) are held as usual
                case "mofasgd-fused" -> assertEquals(4 * (r.trainable() - 3072), r.gradientBytes(),
                        "after its first step fused MoFaSGD holds only the AdamW fallback's gradients");
                default -> { }
            }
            Gpt2FinetuneBenchmark.Result back = Gpt2FinetuneBenchmark.Result.fromLine(r.toLine());
            assertArrayEquals(r.stepMillis(), back.stepMillis());
            assertEquals(r.gradientBytes(), back.gradientBytes());
        }
    }
}

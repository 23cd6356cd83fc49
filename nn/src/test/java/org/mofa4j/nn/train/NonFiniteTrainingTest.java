package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.autograd.AnomalyException;
import org.mofa4j.autograd.AnomalyMode;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.optim.AdamW;
import org.mofa4j.tensor.Tensor;

/**
 * A NaN or Inf during training: stop naming the step with the checkpoints on disk untouched, or skip and count the
 * step; anomaly mode names the layer; a stop request ends the run with a checkpoint.
 */
class NonFiniteTrainingTest {
    private static final String TEXT = "a stitch in time saves nine; look before you leap. ".repeat(30);
    private static final Tokenizer TOK = CharTokenizer.fromCorpus(TEXT);
    private static final GptConfig CFG = new GptConfig(2, 2, 16, 8, TOK.vocabSize(), 0.0);

    @TempDir
    Path dir;

    private static Trainer trainer(Gpt model, double clip, int steps) {
        TokenStream all = TokenStream.of("proverbs", TOK.encode(TEXT));
        AdamW opt = new AdamW(model.trainableParameters(), AdamW.Config.defaults(3e-3));
        TrainConfig tc = new TrainConfig(steps, 2, 8, 1, 0, 0.1, clip, 0, 1, 2, 11);
        return new Trainer(model, opt, all.slice(0, 1000, "train"), all.slice(1000, all.size(), "val"), tc, 3e-3);
    }

    /** Runs {@code action} once, after the step with this 1-based number completes. */
    private static TrainingListener afterStep(long step, Runnable action) {
        return new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                if (s.step() == step) {
                    action.run();
                }
            }
        };
    }

    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), actual.get(name), name + " changed");
        }
    }

    @Test
    void aNanLossStopsNamingTheStepAndKeepsTheLastCheckpoint() throws IOException {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 1.0, 8).onCheckpoint(tr -> TrainingCheckpoint.save(dir, tr, TOK, 3));
        List<Map<String, byte[]>> atStep3 = new ArrayList<>();
        t.addListener(afterStep(3, () -> {
            try {
                atStep3.add(snapshot());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            model.namedParameters().get("ln_f.bias").value().fill(Double.NaN);
        }));
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::run);
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("step 3") && e.getMessage().contains("NaN")
                && e.getMessage().contains("last checkpoint"), e.getMessage());
        assertEquals(dir.resolve("model-000002.safetensors"), TrainingCheckpoint.latestModelFile(dir));
        assertSameFiles(atStep3.getFirst(), snapshot());
        TrainingCheckpoint.loadModel(dir); // still loads, checksum and all
    }

    @Test
    void nonFiniteWeightsAreNeverCheckpointedOverGoodOnes() throws IOException {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 1.0, 8).onCheckpoint(tr -> TrainingCheckpoint.save(dir, tr, TOK, 1));
        // poisoned after step 4's update, before its checkpoint: the checkpoint of step 2 must survive
        t.addListener(afterStep(4, () -> model.namedParameters().get("wpe.weight").value().set(Double.POSITIVE_INFINITY,
                1, 2)));
        Map<String, byte[]> before = new TreeMap<>();
        t.addListener(afterStep(3, () -> {
            try {
                before.putAll(snapshot());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::run);
        assertTrue(e.getMessage().contains("'wpe.weight' holds Infinity") && e.getMessage().contains("not written"),
                e.getMessage());
        assertSameFiles(before, snapshot());
        assertEquals(dir.resolve("model-000002.safetensors"), TrainingCheckpoint.latestModelFile(dir));
    }

    @Test
    void skipPolicyDropsABadLossStepCountsItAndLeavesTheWeightsAlone() {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 1.0, 6).onNonFinite(Trainer.NonFinitePolicy.SKIP);
        Tensor bias = model.namedParameters().get("ln_f.bias").value();
        Map<String, float[]> beforeSkip = new TreeMap<>();
        List<String> skips = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        t.addListener(afterStep(3, () -> {
            model.stateDict().forEach((k, v) -> beforeSkip.put(k, v.toFloatArray()));
            bias.fill(Double.NaN);
        }));
        t.addListener(new TrainingListener() {
            @Override
            public void onSkippedStep(long step, String reason) {
                skips.add(step + ": " + reason);
                model.stateDict().forEach((k, v) -> {
                    if (!k.equals("ln_f.bias")) {
                        assertArrayEquals(beforeSkip.get(k), v.toFloatArray(), k + " was updated by a skipped step");
                    }
                });
                bias.copyFrom(Tensor.of(beforeSkip.get("ln_f.bias"), bias.shape())); // the fault passes
            }

            @Override
            public void onStep(StepStats s) {
                losses.add(s.loss());
            }
        });
        t.run();
        assertEquals(1, t.skippedSteps());
        assertEquals(List.of("4: the training loss is NaN"), skips);
        assertEquals(5, losses.size(), "5 of 6 steps trained");
        assertTrue(losses.stream().allMatch(Double::isFinite));
        assertEquals(6, t.step());
    }

    @Test
    void skipPolicyAlsoCatchesANonFiniteGradientWithClippingOff() {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 0.0, 5).onNonFinite(Trainer.NonFinitePolicy.SKIP);
        Variable w = model.namedParameters().get("blocks.0.mlp.fc.weight");
        boolean[] poison = {false};
        w.addGradReadyHook((v, g) -> {
            if (poison[0]) {
                g.set(Double.NaN, 0, 0);
                poison[0] = false;
            }
            return false;
        });
        t.addListener(afterStep(2, () -> poison[0] = true));
        float[][] atStep2 = new float[1][];
        t.addListener(afterStep(2, () -> atStep2[0] = w.value().toFloatArray()));
        List<String> skips = new ArrayList<>();
        t.addListener(new TrainingListener() {
            @Override
            public void onSkippedStep(long step, String reason) {
                skips.add(step + ": " + reason);
                assertArrayEquals(atStep2[0], w.value().toFloatArray());
            }
        });
        t.run();
        assertEquals(List.of("3: the gradient norm is NaN"), skips);
        assertEquals(1, t.skippedSteps());
    }

    @Test
    void withoutSkipANonFiniteGradientStopsWithTheOptimizersMessage() {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 0.0, 5);
        model.namedParameters().get("blocks.0.mlp.fc.weight").addGradReadyHook((v, g) -> {
            g.set(Double.POSITIVE_INFINITY, 1, 1);
            return false;
        });
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::run);
        assertEquals(0, e.step());
        assertTrue(e.getMessage().contains("blocks.0.mlp.fc.weight") && e.getMessage().contains("Infinity"),
                e.getMessage());
    }

    @Test
    void anomalyModeNamesTheLayerAndParameterOfTheFirstNonFiniteOp() {
        Gpt model = new Gpt(CFG, 3);
        model.namedParameters().get("blocks.1.ln2.weight").value().set(Double.NaN, 5);
        Trainer t = trainer(model, 1.0, 2);
        AnomalyException e;
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            e = assertThrows(AnomalyException.class, t::run);
        }
        assertEquals("blocks.1.mlp", e.layer());
        assertTrue(e.getMessage().contains("'blocks.1.ln2.weight'") && e.getMessage().contains("already holds NaN"),
                e.getMessage());
    }

    @Test
    void aStopRequestFinishesTheStepWritesACheckpointAndReturns() {
        Gpt model = new Gpt(CFG, 3);
        Trainer t = trainer(model, 1.0, 8).onCheckpoint(tr -> TrainingCheckpoint.save(dir, tr, TOK, 3));
        t.addListener(afterStep(3, t::requestStop));
        t.run();
        assertTrue(t.stoppedEarly());
        assertEquals(3, t.step());
        assertEquals(dir.resolve("model-000003.safetensors"), TrainingCheckpoint.latestModelFile(dir));
        assertFalse(Files.exists(dir.resolve("model-000004.safetensors")));
    }
}

package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.data.Batch;
import org.mofa4j.nn.data.BatchSampler;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.Sgd;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.Tensor;

/** The training loop: it learns, it is deterministic, accumulation is exact, and bad values stop it. */
class TrainerTest {
    private static final GptConfig CFG = new GptConfig(2, 2, 32, 16, 8, 0.0);

    /** A periodic token stream 0 1 2 ... 7 0 1 2 ...: perfectly predictable. */
    private static TokenStream periodic(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i % 8;
        }
        return TokenStream.of("periodic", t);
    }

    private static List<Double> train(int steps, int accumulation, int batch, double lr) {
        Gpt gpt = new Gpt(CFG, 7);
        StatefulOptimizer opt = new AdamW(gpt.trainableParameters(), new AdamW.Config(lr, 0.9, 0.99, 1e-8, 0.0));
        TrainConfig tc = new TrainConfig(steps, batch, 16, accumulation, 2, 0.1, 1.0, 0, 1, 0, 5);
        Trainer trainer = new Trainer(gpt, opt, periodic(400), periodic(100), tc, lr);
        List<Double> losses = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses.add(s.loss());
            }
        });
        trainer.run();
        return losses;
    }

    @Test
    void lossFallsOnAPredictableSequence() {
        List<Double> losses = train(40, 1, 4, 3e-3);
        assertTrue(losses.get(0) > 1.8, "starts near ln 8 ≈ 2.08: " + losses.get(0));
        assertTrue(losses.get(39) < 0.5, "learns the cycle: " + losses.get(39));
    }

    @Test
    void sameSeedGivesBitIdenticalLosses() {
        assertEquals(train(5, 1, 2, 1e-3), train(5, 1, 2, 1e-3));
    }

    @Test
    void accumulationEqualsOneStepOnTheAveragedGradient() {
        // Trainer with accumulation 2 and SGD, one step...
        Gpt viaTrainer = new Gpt(CFG, 7);
        Sgd sgd = new Sgd(viaTrainer.trainableParameters(), new Sgd.Config(0.5, 0, 0, 0, false));
        TrainConfig tc = new TrainConfig(1, 2, 16, 2, 0, 1.0, 0, 0, 1, 0, 5);
        new Trainer(viaTrainer, sgd, periodicNoisy(400), periodicNoisy(100), tc, 0.5).run();
        // ...equals backward of (loss(b0) + loss(b1))/2 on micro-batches 0 and 1, then the same SGD step.
        Gpt manual = new Gpt(CFG, 7);
        BatchSampler sampler = new BatchSampler(periodicNoisy(400), 2, 16, 5);
        Batch b0 = sampler.batchAt(0);
        Batch b1 = sampler.batchAt(1);
        Variable l0 = manual.loss(b0.inputs(), b0.targets());
        Variable l1 = manual.loss(b1.inputs(), b1.targets());
        ElementwiseFns.mul(ElementwiseFns.add(l0, l1), 0.5).backward();
        new Sgd(manual.trainableParameters(), new Sgd.Config(0.5, 0, 0, 0, false)).step();
        for (String name : manual.namedParameters().keySet()) {
            float[] expected = manual.namedParameters().get(name).value().toFloatArray();
            float[] actual = viaTrainer.namedParameters().get(name).value().toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6f * (1 + Math.abs(expected[i])), name + "[" + i + "]");
            }
        }
    }

    /** Periodic with a deterministic disturbance, so different windows give different gradients. */
    private static TokenStream periodicNoisy(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (i % 8 + (i % 13 == 0 ? 3 : 0)) % 8;
        }
        return TokenStream.of("noisy", t);
    }

    @Test
    void nonFiniteLossStopsWithTheStep() {
        Gpt gpt = new Gpt(CFG, 7);
        gpt.namedParameters().get("ln_f.weight").value().fill(Double.NaN);
        StatefulOptimizer opt = new AdamW(gpt.trainableParameters(), AdamW.Config.defaults(1e-3));
        TrainConfig tc = new TrainConfig(3, 2, 16, 1, 0, 0.1, 1.0, 0, 1, 0, 5);
        Trainer trainer = new Trainer(gpt, opt, periodic(400), periodic(100), tc, 1e-3);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, trainer::run);
        assertEquals(0, e.step());
        assertTrue(e.getMessage().contains("step 0") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void shortCorpusIsRefusedWithBothNumbers() {
        Gpt gpt = new Gpt(CFG, 7);
        StatefulOptimizer opt = new AdamW(gpt.trainableParameters(), AdamW.Config.defaults(1e-3));
        TrainConfig tc = new TrainConfig(3, 2, 16, 1, 0, 0.1, 1.0, 1, 1, 0, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(gpt, opt, periodic(10), periodic(100), tc, 1e-3));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("17"), e.getMessage());
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheFinalFraction() {
        LrSchedule s = new LrSchedule(10, 110, 0.1);
        assertEquals(0.1, s.scale(0), 1e-12);
        assertEquals(1.0, s.scale(9), 1e-12);
        assertEquals(1.0, s.scale(10), 1e-12);
        assertEquals(0.55, s.scale(60), 1e-12);
        assertEquals(0.1, s.scale(110), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(20, 10, 0.1));
    }

    @Test
    void clippingScalesToTheMaximumNormAndReportsTheOriginal() {
        Variable a = Variable.parameter(Tensor.zeros(2), "a");
        Variable b = Variable.parameter(Tensor.zeros(1), "b");
        a.setGrad(Tensor.vector(3f, 0f));
        b.setGrad(Tensor.vector(4f));
        assertEquals(5.0, GradClipping.clipGlobalNorm(List.of(a, b), 1.0), 1e-6);
        assertEquals(1.0, GradClipping.globalNorm(List.of(a, b)), 1e-5);
        assertArrayEquals(new float[] {0.6f, 0f}, a.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void invalidTrainConfigsNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(0, 1, 1, 1, 0, 0.1, 1, 0, 1, 0, 1)).getMessage().contains("steps"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(5, 1, 1, 1, 6, 0.1, 1, 0, 1, 0, 1)).getMessage().contains("warm-up"));
    }
}

package org.mofa4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;

/** The probe reads the heap at the chosen steps only, and never changes what training computes. */
class PeakHeapProbeTest {
    private static final GptConfig TINY = new GptConfig(1, 2, 16, 8, 32, 0.0);

    private record Run(double[] losses, PeakHeapProbe probe, int trainable) {}

    private static Run train(String optimizer, boolean fused, boolean probe) {
        Gpt gpt = new Gpt(TINY, 3);
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(optimizer, 1e-2, 0.1, 0.99, 2, 1e-3, fused),
                gpt.trainableParameters());
        TokenStream data = MemoryComparison.periodicStream(2_000, TINY.vocab(), 5);
        Trainer t = new Trainer(gpt, opt, data, data, new TrainConfig(4, 2, 8, 1, 1, 0.1, 0, 0, 1, 0, 9), 1e-2);
        PeakHeapProbe p = probe ? PeakHeapProbe.install(t, 2, 3) : null;
        double[] losses = new double[4];
        t.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses[(int) s.step() - 1] = s.loss();
            }
        });
        t.run();
        return new Run(losses, p, gpt.trainableParameters().size());
    }

    @Test
    void fusedMofasgdTrainsBitIdenticallyWithTheProbeAndItsHooksStillConsumeTheGradients() {
        Run with = train("mofasgd", true, true);
        Run without = train("mofasgd", true, false);

        assertArrayEquals(without.losses(), with.losses(), "the probe changes nothing in training");
        PeakHeapProbe p = with.probe();
        assertEquals(-1, p.maxLiveBytes(1), "step 1 not probed");
        assertEquals(-1, p.maxLiveBytes(4), "step 4 not probed");
        assertTrue(p.maxLiveBytes(2) > 0 && p.maxLiveBytes(3) > 0);
        assertEquals(Math.max(p.maxLiveBytes(2), p.maxLiveBytes(3)), p.maxLiveBytes());
        assertEquals(2 * (with.trainable() + 1), p.probes(), "every parameter's hook and the pre-step point, twice");
        assertTrue(p.probeNanos() > 0);
    }

    @Test
    void unfusedAdamWIsProbedTheSameWay() {
        Run with = train("adamw", false, true);

        assertArrayEquals(train("adamw", false, false).losses(), with.losses());
        assertEquals(2 * (with.trainable() + 1), with.probe().probes());
    }

    @Test
    void refusesAnEmptyOrNonPositiveStepSet() {
        Gpt gpt = new Gpt(TINY, 1);
        Trainer t = new Trainer(gpt, Optimizers.create(Optimizers.Spec.of("adamw", 1e-3), gpt.trainableParameters()),
                MemoryComparison.periodicStream(100, 32, 1),
                MemoryComparison.periodicStream(100, 32, 1), new TrainConfig(2, 1, 8, 1, 0, 0.1, 0, 0, 1, 0, 1), 1e-3);
        assertThrows(IllegalArgumentException.class, () -> PeakHeapProbe.install(t, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> PeakHeapProbe.install(t, Set.of(0L)));
    }
}

package org.mofa4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
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
        return train(optimizer, fused, probe ? PeakHeapProbe.Points.PARAMETERS : null);
    }

    private static Run train(String optimizer, boolean fused, PeakHeapProbe.Points points) {
        Gpt gpt = new Gpt(TINY, 3);
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(optimizer, 1e-2, 0.1, 0.99, 2, 1e-3, fused),
                gpt.trainableParameters());
        TokenStream data = MemoryComparison.periodicStream(2_000, TINY.vocab(), 5);
        Trainer t = new Trainer(gpt, opt, data, data, new TrainConfig(4, 2, 8, 1, 1, 0.1, 0, 0, 1, 0, 9), 1e-2);
        PeakHeapProbe p = points == null ? null : PeakHeapProbe.install(t, Set.of(2L, 3L), points);
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
    void everyOpAddsAProbeAfterEachBackwardOpAndIsRemovedWhenTrainingEnds() {
        Run params = train("adamw", false, PeakHeapProbe.Points.PARAMETERS);
        Run ops = train("adamw", false, PeakHeapProbe.Points.EVERY_OP);

        assertArrayEquals(params.losses(), ops.losses(), "the probe changes nothing in training");
        assertEquals(params.probe().probes() + 2 * backwardOpsPerStep(), ops.probe().probes(),
                "one more probe per backward op, in each of the two probed steps");
        int before = ops.probe().probes();
        Variable x = Variable.parameter(org.mofa4j.tensor.Tensor.ones(3), "x");
        org.mofa4j.autograd.ReduceFns.sum(org.mofa4j.autograd.ElementwiseFns.exp(x)).backward();
        assertEquals(before, ops.probe().probes(), "the op observer is gone after training");
    }

    /** The ops of one training step's backward, counted by an observer of our own. */
    private static int backwardOpsPerStep() {
        Gpt gpt = new Gpt(TINY, 3);
        int[] ops = {0};
        gpt.train(true);
        int[] tokens = MemoryComparison.periodicStream(64, TINY.vocab(), 5).toArray();
        org.mofa4j.tensor.IntTensor x = org.mofa4j.tensor.IntTensor.of(java.util.Arrays.copyOfRange(tokens, 0, 16), 2, 8);
        org.mofa4j.tensor.IntTensor y = org.mofa4j.tensor.IntTensor.of(java.util.Arrays.copyOfRange(tokens, 1, 17), 2, 8);
        try (var scope = org.mofa4j.autograd.BackwardObserver.observe(op -> ops[0]++)) {
            gpt.loss(x, y).backward();
        }
        return ops[0];
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

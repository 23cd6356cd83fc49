package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.Batch;
import org.mofa4j.nn.data.BatchSampler;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.StatefulOptimizer;

/** The trainer's device hook: what it hands a {@link DeviceTrainer}, and when it asks for the state back. */
class DeviceTrainerHookTest {
    private static final GptConfig CFG = new GptConfig(1, 1, 8, 8, 8, 0.0);

    /** Records calls; returns loss 10 − step and norm 2, or a NaN loss at step {@code nanAt}. */
    private static final class Recording implements DeviceTrainer {
        final List<String> calls = new ArrayList<>();
        final List<Batch> batches = new ArrayList<>();
        int nanAt = -1;

        @Override
        public String description() {
            return "recording";
        }

        @Override
        public StepResult step(Batch batch, double lrScale, double clipNorm) {
            batches.add(batch);
            calls.add(String.format("step scale=%.2f clip=%.1f", lrScale, clipNorm));
            double loss = batches.size() == nanAt ? Double.NaN : 10 - batches.size();
            return new StepResult(loss, 2.0, Double.isFinite(loss));
        }

        @Override
        public void copyToHost() {
            calls.add("copy");
        }

        @Override
        public long bytesLastStep() {
            return 0;
        }

        @Override
        public long bytesMoved() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private static TokenStream stream() {
        int[] t = new int[200];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i * 5) % 8;
        }
        return TokenStream.of("cycle", t);
    }

    private static Trainer trainer(int steps, int accumulation, int evalEvery) {
        Gpt gpt = new Gpt(CFG, 1);
        StatefulOptimizer opt = new AdamW(gpt.trainableParameters(), AdamW.Config.defaults(1e-3));
        TrainConfig tc = new TrainConfig(steps, 2, 8, accumulation, 0, 1.0, 0.5, evalEvery, 1, 0, 3);
        return new Trainer(gpt, opt, stream(), stream(), tc, 1e-3);
    }

    @Test
    void eachStepGetsTheScheduledBatchAndTheStateComesBackBeforeEvaluationAndAtTheEnd() {
        Recording device = new Recording();
        Trainer t = trainer(3, 1, 2).onDevice(device);
        List<Double> losses = new ArrayList<>();
        t.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses.add(s.loss());
                assertEquals(2.0, s.gradNorm(), "the device's norm is reported");
            }
        });
        t.run();
        assertEquals(List.of(9.0, 8.0, 7.0), losses);
        assertEquals(List.of("step scale=1.00 clip=0.5", "step scale=1.00 clip=0.5", "copy",
                "step scale=1.00 clip=0.5", "copy", "copy"), device.calls,
                "copy before each evaluation and at the end");
        BatchSampler same = new BatchSampler(stream(), 2, 8, 3);
        for (int s = 0; s < 3; s++) {
            assertTrue(java.util.Arrays.equals(same.batchAt(s).inputs().data(), device.batches.get(s).inputs().data()),
                    "step " + s + " gets batch " + s);
        }
    }

    @Test
    void aNonFiniteDeviceLossStopsTheRun() {
        Recording device = new Recording();
        device.nanAt = 2;
        Trainer t = trainer(3, 1, 0).onDevice(device);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::run);
        assertTrue(e.getMessage().contains("loss"), e.getMessage());
        assertEquals(1, t.step(), "stopped at the second step");
    }

    @Test
    void aDeviceTrainerRunsOneMicroBatchPerStep() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(2, 2, 0).onDevice(new Recording()));
        assertTrue(e.getMessage().contains("accumulation 2"), e.getMessage());
    }
}

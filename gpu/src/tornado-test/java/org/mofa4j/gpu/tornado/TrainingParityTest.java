package org.mofa4j.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.BuiltInCorpus;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.Backends;

/**
 * 20 training steps of a tiny GPT (2 layers, 2 heads, width 32, context 16, batch 4, AdamW) with every fp32
 * product (forward and backward) on the device, against the same run on the CPU. What runs where: matmuls on the
 * device through {@link TornadoBackend} (operands copied per call, not resident); everything else (elementwise,
 * softmax, LayerNorm, the optimizer) on the CPU, so the two runs differ only by the device GEMM's rounding.
 *
 * <p>Tolerance: |loss_dev − loss_cpu| ≤ 1e-3·loss per step (fp32 summation-order differences amplified by 20
 * AdamW steps; measured on PoCL: see the printed worst difference).
 */
class TrainingParityTest {

    @Test
    void twentyTinyGptStepsOnTheDeviceMatchTheCpuLosses() {
        List<Double> cpu = train(Backends.cpu());
        TornadoBackend gpu = TornadoBackend.open();
        long before = gpu.bytesMoved();
        List<Double> dev = train(gpu);
        long moved = gpu.bytesMoved() - before;
        assertEquals(20, cpu.size());
        assertEquals(20, dev.size());
        double worst = 0;
        for (int i = 0; i < 20; i++) {
            double d = Math.abs(cpu.get(i) - dev.get(i)) / cpu.get(i);
            worst = Math.max(worst, d);
            assertTrue(d <= 1e-3, "step " + (i + 1) + ": CPU loss " + cpu.get(i) + ", device loss " + dev.get(i));
        }
        System.out.printf("tiny GPT 20 steps: loss %.4f -> %.4f (CPU) / %.4f -> %.4f (device), worst relative "
                + "difference %.2e, %,d bytes moved (%,d per step)%n", cpu.get(0), cpu.get(19), dev.get(0),
                dev.get(19), worst, moved, moved / 20);
        assertTrue(cpu.get(19) < cpu.get(0), "the loss falls");
        assertTrue(moved > 0, "the device ran the products");
    }

    private static List<Double> train(Backend backend) {
        CharTokenizer tok = CharTokenizer.fromCorpus(BuiltInCorpus.text());
        TextDataset.Split split = TextDataset.fromText(BuiltInCorpus.text(), tok, "built-in").split();
        GptConfig config = new GptConfig(2, 2, 32, 16, tok.vocabSize(), 0.0);
        TrainConfig tc = new TrainConfig(20, 4, 16, 1, 2, 0.1, 1.0, 0, 1, 0, 42);
        Gpt model = new Gpt(config, 42);
        var opt = Optimizers.create(Optimizers.Spec.of("adamw", 3e-3), model.trainableParameters());
        List<Double> losses = new ArrayList<>();
        Trainer trainer = new Trainer(model, opt, split.train(), split.validation(), tc, 3e-3)
                .addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepStats s) {
                        losses.add(s.loss());
                    }
                });
        Backend previous = Backends.use(backend);
        try {
            trainer.run();
        } finally {
            Backends.use(previous);
        }
        return losses;
    }
}

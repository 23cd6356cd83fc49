package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;

/** Every optimizer the command line offers trains a small GPT through the real training loop. */
class EveryOptimizerTrainsTest {
    private static final GptConfig CFG = new GptConfig(2, 2, 32, 16, 8, 0.0);

    private static TokenStream periodic(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (i * 3 + i / 8) % 8;
        }
        return TokenStream.of("periodic", t);
    }

    @ParameterizedTest(name = "{0} fused={2}")
    @CsvSource({"adamw, 3e-3, false", "sgd, 0.05, false", "adafactor, 1e-2, false", "adalomo, 1e-2, true",
        "lomo, 0.3, true", "mofasgd, 0.02, false", "mofasgd, 0.02, true", "mofasgd-reciprocal, 5e-4, false",
        "galore, 3e-3, false", "muon, 0.02, false"})
    void lossFalls(String name, double lr, boolean fused) {
        Gpt gpt = new Gpt(CFG, 11);
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(name, lr, 0.0, 0.99, 4, 3e-3, fused),
                gpt.trainableParameters());
        TrainConfig tc = new TrainConfig(30, 4, 16, 1, 0, 1.0, 0, 0, 1, 0, 3);
        Trainer trainer = new Trainer(gpt, opt, periodic(600), periodic(100), tc, lr);
        List<Double> losses = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses.add(s.loss());
            }
        });
        trainer.run();
        double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
        double last = (losses.get(27) + losses.get(28) + losses.get(29)) / 3;
        assertTrue(last < 0.8 * first, name + ": loss " + first + " → " + last + " " + losses);
    }
}

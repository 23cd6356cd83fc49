package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.Tensor;

/**
 * Every optimizer's state survives the checkpoint format: train 4 steps straight, or 2 steps, save to
 * safetensors, rebuild everything from the files and train 2 more; the weights must be bit-identical.
 */
class EveryOptimizerResumesTest {
    private static final String TEXT = "a stitch in time saves nine; a rolling stone gathers no moss. ".repeat(30);
    private static final Tokenizer TOK = CharTokenizer.fromCorpus(TEXT);
    private static final GptConfig CFG = new GptConfig(2, 2, 16, 12, TOK.vocabSize(), 0.0);

    private static Trainer trainer(Gpt model, Optimizers.Spec spec) {
        TokenStream all = TokenStream.of("proverbs", TOK.encode(TEXT));
        StatefulOptimizer opt = Optimizers.create(spec, model.trainableParameters());
        TrainConfig tc = new TrainConfig(4, 3, 12, 1, 1, 0.1, 0, 0, 1, 2, 7);
        return new Trainer(model, opt, all.slice(0, 1500, "train"), all.slice(1500, all.size(), "val"), tc,
                spec.lr());
    }

    @ParameterizedTest(name = "{0} fused={2}")
    @CsvSource({"sgd, 0.05, false", "adafactor, 0.01, false", "adalomo, 0.01, true", "lomo, 0.05, true",
        "mofasgd, 0.02, false", "mofasgd, 0.02, true", "mofasgd-reciprocal, 1e-3, false", "galore, 3e-3, false",
        "muon, 0.02, false"})
    void resumesBitIdentically(String name, double lr, boolean fused, @TempDir Path dir) {
        Optimizers.Spec spec = new Optimizers.Spec(name, lr, 0.0, 0.99, 4, 3e-3, fused);
        Gpt straight = new Gpt(CFG, 3);
        trainer(straight, spec).onCheckpoint(t -> TrainingCheckpoint.save(dir, t, TOK, 5)).run();

        TrainingCheckpoint.Loaded at2 = TrainingCheckpoint.loadModel(dir.resolve("model-000002.safetensors"));
        Trainer resumed = trainer(at2.model(), spec);
        TrainingCheckpoint.restoreTraining(dir, at2.step(), resumed);
        resumed.run();

        Map<String, Tensor> expected = straight.stateDict();
        Map<String, Tensor> actual = at2.model().stateDict();
        for (String p : expected.keySet()) {
            assertArrayEquals(expected.get(p).toFloatArray(), actual.get(p).toFloatArray(), name + " " + p);
        }
    }
}

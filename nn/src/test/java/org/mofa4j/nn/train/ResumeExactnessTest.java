package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.optim.AdamW;
import org.mofa4j.tensor.Tensor;

/** Training N steps, saving, and resuming for M more equals N+M uninterrupted steps, bit for bit. */
class ResumeExactnessTest {
    private static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(40);
    private static final Tokenizer TOK = CharTokenizer.fromCorpus(TEXT);
    // dropout on, so the dropout generator's state must be restored too
    private static final GptConfig CFG = new GptConfig(2, 2, 16, 12, TOK.vocabSize(), 0.1);

    private static TrainConfig trainConfig() {
        return new TrainConfig(6, 3, 12, 2, 2, 0.1, 1.0, 3, 2, 3, 99);
    }

    private static Trainer trainer(Gpt model) {
        TokenStream all = TokenStream.of("fox", TOK.encode(TEXT));
        AdamW opt = new AdamW(model.trainableParameters(), new AdamW.Config(3e-3, 0.9, 0.95, 1e-8, 0.1));
        return new Trainer(model, opt, all.slice(0, 1500, "train"), all.slice(1500, all.size(), "val"),
                trainConfig(), 3e-3);
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) {
        Gpt straight = new Gpt(CFG, 4);
        Trainer a = trainer(straight).onCheckpoint(t -> TrainingCheckpoint.save(dir, t, TOK, 5));
        a.run();
        assertTrue(Files.exists(dir.resolve("model-000003.safetensors")));

        TrainingCheckpoint.Loaded at3 = TrainingCheckpoint.loadModel(dir.resolve("model-000003.safetensors"));
        assertEquals(3, at3.step());
        Trainer b = trainer(at3.model());
        TrainingCheckpoint.restoreTraining(dir, at3.step(), b);
        assertEquals(3, b.step());
        b.run();

        Map<String, Tensor> expected = straight.stateDict();
        Map<String, Tensor> actual = at3.model().stateDict();
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), name);
        }
        assertEquals(a.optimizer().stateDict().keySet(), b.optimizer().stateDict().keySet());
    }

    @Test
    void newestCompleteCheckpointIsFoundAndOldOnesArePruned(@TempDir Path dir) throws IOException {
        Trainer t = trainer(new Gpt(CFG, 4)).onCheckpoint(tr -> TrainingCheckpoint.save(dir, tr, TOK, 1));
        t.run();
        assertEquals(dir.resolve("model-000006.safetensors"), TrainingCheckpoint.latestModelFile(dir));
        assertTrue(Files.notExists(dir.resolve("model-000003.safetensors")), "only the newest is kept");
        // a model file without its training file does not count as complete
        Files.copy(dir.resolve("model-000006.safetensors"), dir.resolve("model-000009.safetensors"));
        assertEquals(dir.resolve("model-000006.safetensors"), TrainingCheckpoint.latestModelFile(dir));
    }

    @Test
    void corruptedCheckpointIsRefusedAndNothingIsOverwritten(@TempDir Path dir) throws IOException {
        trainer(new Gpt(CFG, 4)).onCheckpoint(tr -> TrainingCheckpoint.save(dir, tr, TOK, 5)).run();
        Path model = dir.resolve("model-000006.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(model, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.loadModel(model));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(model));
        assertThrows(CheckpointException.class, () -> TrainingCheckpoint.loadModel(dir.resolve("missing.safetensors")));
        assertThrows(CheckpointException.class, () -> TrainingCheckpoint.loadModel(dir.resolve("empty-dir-x")));
    }
}

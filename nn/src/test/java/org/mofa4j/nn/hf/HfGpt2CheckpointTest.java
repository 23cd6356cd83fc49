package org.mofa4j.nn.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Loads the tiny GPT-2 that {@code src/test/python/make_gpt2_fixture.py write} built in Hugging Face layout and
 * matches the logits, loss and gradients PyTorch computed for it in float64 ({@code gpt2/tiny_golden.safetensors}).
 *
 * <p>Tolerances, for a model computing in float32 against a float64 oracle (logits up to ~±10):
 * logits 2e-5·(1 + |golden|), loss 1e-5 relative, gradients 1e-4 · the largest |golden| entry of each tensor
 * (float32 round-off through two blocks and the softmax), half-precision files 2e-5·(1 + |golden|) against the
 * golden of the same half-precision weights.
 */
class HfGpt2CheckpointTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws Exception {
        return Path.of(HfGpt2CheckpointTest.class.getResource("/gpt2/" + name).toURI());
    }

    static Safetensors.Contents golden() throws Exception {
        return Safetensors.read(resource("tiny_golden.safetensors"));
    }

    /** ids [B, T+1] → columns [from, from + T). */
    static IntTensor columns(IntTensor ids, int from) {
        int b = ids.dim(0);
        int t = ids.dim(1) - 1;
        int[] out = new int[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids.data(), i * (t + 1) + from, out, i * t, t);
        }
        return IntTensor.wrap(out, b, t);
    }

    static void assertClose(Tensor golden, Tensor actual, double abs, double rel, String what) {
        assertArrayEquals(golden.shape(), actual.shape(), what + " shape");
        float[] g = golden.contiguous().toFloatArray();
        float[] a = actual.contiguous().toFloatArray();
        for (int i = 0; i < g.length; i++) {
            double tol = abs + rel * Math.abs(g[i]);
            if (!(Math.abs(g[i] - a[i]) <= tol)) {
                throw new AssertionError(what + "[" + i + "]: golden " + g[i] + ", mofa4j " + a[i] + ", |diff| "
                        + Math.abs(g[i] - a[i]) + " > " + tol);
            }
        }
    }

    @Test
    void f32CheckpointMatchesTorchLogitsLossAndGradients() throws Exception {
        HfGpt2Checkpoint.Loaded loaded = HfGpt2Checkpoint.load(resource("tiny"), 0.0, 1);
        Gpt model = loaded.model();
        assertFalse(loaded.prefixed());
        assertEquals(new org.mofa4j.nn.GptConfig(2, 4, 32, 32, 262, 0.0), model.config());
        Safetensors.Contents g = golden();
        IntTensor ids = g.intTensors().get("ids");
        IntTensor inputs = columns(ids, 0);
        IntTensor targets = columns(ids, 1);

        assertClose(g.tensor("logits"), model.forward(inputs).value(), 2e-5, 2e-5, "logits");
        Variable loss = model.loss(inputs, targets);
        assertEquals(g.tensor("loss").item(), loss.value().item(), 1e-5 * g.tensor("loss").item(), "loss");

        loss.backward();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Variable> e : model.namedParameters().entrySet()) {
            grads.put(e.getKey(), e.getValue().grad());
        }
        // The gradients in Hugging Face names and layout: Conv1D ones come back transposed.
        Map<String, Tensor> hfGrads = HfGpt2Checkpoint.toHuggingFace(gradModel(model, grads), false);
        int checked = 0;
        for (Map.Entry<String, Tensor> e : hfGrads.entrySet()) {
            Tensor want = g.tensor("grad." + e.getKey());
            double scale = want.abs().max(new int[0], false).item();
            assertTrue(scale > 0, "golden gradient of " + e.getKey() + " is zero: the fixture would prove nothing");
            assertClose(want, e.getValue(), 1e-4 * scale, 0, "grad " + e.getKey());
            checked++;
        }
        assertEquals(4 + 12 * 2, checked);
    }

    /** A model of the same shape whose parameters hold {@code grads}, to reuse the name mapping on gradients. */
    private static Gpt gradModel(Gpt model, Map<String, Tensor> grads) {
        Gpt copy = new Gpt(model.config(), 0);
        copy.loadStateDict(grads);
        return copy;
    }

    @Test
    void halfPrecisionFilesAreUpcastToF32() throws Exception {
        Safetensors.Contents g = golden();
        IntTensor inputs = columns(g.intTensors().get("ids"), 0);
        HfGpt2Checkpoint.Loaded f16 = HfGpt2Checkpoint.load(resource("tiny_f16"), 0.0, 1);
        assertTrue(f16.prefixed(), "the F16 file has transformer.-prefixed names and a tied lm_head.weight");
        assertEquals("F16", f16.storedDtypes().get("transformer.wte.weight"));
        assertClose(g.tensor("logits_f16"), f16.model().forward(inputs).value(), 2e-5, 2e-5, "f16 logits");

        HfGpt2Checkpoint.Loaded bf16 = HfGpt2Checkpoint.load(resource("tiny_bf16"), 0.0, 1);
        assertEquals("BF16", bf16.storedDtypes().get("h.0.attn.c_attn.weight"));
        assertClose(g.tensor("logits_bf16"), bf16.model().forward(inputs).value(), 2e-5, 2e-5, "bf16 logits");
    }

    @Test
    void savedCheckpointHasTheSameNamesLayoutAndBitsAsTheOriginal() throws Exception {
        HfGpt2Checkpoint.Loaded loaded = HfGpt2Checkpoint.load(resource("tiny"), 0.0, 1);
        Path out = tmp.resolve("saved");
        HfGpt2Checkpoint.save(loaded.model(), loaded.config(), loaded.prefixed(), out);

        Safetensors.Contents original = Safetensors.read(resource("tiny/model.safetensors"));
        Safetensors.Contents saved = Safetensors.read(out.resolve(HfGpt2Checkpoint.MODEL_FILE));
        assertEquals(Map.of("format", "pt"), saved.metadata());
        Map<String, Tensor> expected = new LinkedHashMap<>(original.tensors());
        expected.keySet().removeIf(n -> n.matches("h\\.\\d+\\.attn\\.(bias|masked_bias)")); // mask buffers
        assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(saved.tensors().keySet()));
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor s = saved.tensor(e.getKey());
            assertArrayEquals(e.getValue().shape(), s.shape(), e.getKey() + " shape (Conv1D stays [in, out])");
            assertArrayEquals(e.getValue().toFloatArray(), s.toFloatArray(), e.getKey() + " bits");
        }
        assertEquals(HfGpt2Config.read(resource("tiny/config.json")).raw(),
                HfGpt2Config.read(out.resolve(HfGpt2Checkpoint.CONFIG_FILE)).raw());

        Gpt again = HfGpt2Checkpoint.load(out, 0.0, 2).model();
        for (Map.Entry<String, Tensor> e : loaded.model().stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), again.stateDict().get(e.getKey()).toFloatArray(),
                    e.getKey());
        }
    }

    @Test
    void prefixedNamesAreKeptOnSave() throws Exception {
        HfGpt2Checkpoint.Loaded f16 = HfGpt2Checkpoint.load(resource("tiny_f16"), 0.0, 1);
        HfGpt2Checkpoint.save(f16.model(), f16.config(), f16.prefixed(), tmp);
        Safetensors.Contents saved = Safetensors.read(tmp.resolve(HfGpt2Checkpoint.MODEL_FILE));
        assertTrue(saved.tensors().keySet().stream().allMatch(n -> n.startsWith("transformer.")),
                saved.tensors().keySet().toString());
        assertFalse(saved.tensors().containsKey("transformer.lm_head.weight"));
        assertEquals("F32", saved.storedDtypes().get("transformer.wte.weight"));
    }

    // ---------------------------------------------------------------- errors name the tensor

    /** A copy of the F32 fixture with the tensors changed by {@code edit}; returns its directory. */
    private Path editedCopy(java.util.function.Consumer<Map<String, Tensor>> edit) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "edited");
        Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(resource("tiny/model.safetensors")).tensors());
        edit.accept(t);
        Safetensors.write(dir.resolve(HfGpt2Checkpoint.MODEL_FILE), t, Map.of("format", "pt"));
        Files.copy(resource("tiny/config.json"), dir.resolve(HfGpt2Checkpoint.CONFIG_FILE));
        return dir;
    }

    private String loadError(Path dir) {
        return assertThrows(CheckpointException.class, () -> HfGpt2Checkpoint.load(dir, 0.0, 1)).getMessage();
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        String msg = loadError(editedCopy(t -> t.remove("h.1.mlp.c_fc.bias")));
        assertTrue(msg.contains("missing tensor 'h.1.mlp.c_fc.bias'"), msg);
    }

    @Test
    void unexpectedTensorIsNamed() throws Exception {
        String msg = loadError(editedCopy(t -> t.put("h.2.ln_1.weight", Tensor.ones(32))));
        assertTrue(msg.contains("unexpected tensor 'h.2.ln_1.weight' (block 2, but config.json has n_layer 2)"), msg);
        msg = loadError(editedCopy(t -> t.put("score.weight", Tensor.ones(2, 32))));
        assertTrue(msg.contains("unexpected tensor 'score.weight'"), msg);
    }

    @Test
    void shapeThatDisagreesWithTheConfigIsNamed() throws Exception {
        String msg = loadError(editedCopy(t -> t.put("h.0.attn.c_attn.weight",
                t.get("h.0.attn.c_attn.weight").transpose(0, 1).contiguous())));
        assertTrue(msg.contains("tensor 'h.0.attn.c_attn.weight' has shape [96, 32], config.json (n_embd 32) gives"
                + " [32, 96]"), msg);
    }

    @Test
    void untiedHeadIsRejected() throws Exception {
        String msg = loadError(editedCopy(t -> t.put("lm_head.weight", t.get("wte.weight").mul(2))));
        assertTrue(msg.contains("'lm_head.weight' differs from 'wte.weight'"), msg);
    }

    @Test
    void configFieldsMofa4jCannotComputeAreRejected() throws Exception {
        Path dir = editedCopy(t -> { });
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"gelu_new\"", "\"relu\""));
        String msg = loadError(dir);
        assertTrue(msg.contains("activation_function is string \"relu\""), msg);
        Files.writeString(dir.resolve("config.json"), config.replace("\"vocab_size\": 262", "\"vocab_size\": 300"));
        msg = loadError(dir);
        assertTrue(msg.contains("tensor 'wte.weight' has shape [262, 32], config.json (vocab_size, n_embd) gives"
                + " [300, 32]"), msg);
    }
}

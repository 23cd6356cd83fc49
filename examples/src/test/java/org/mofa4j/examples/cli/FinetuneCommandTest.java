package org.mofa4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.nn.hf.HfGpt2Checkpoint;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.tensor.Tensor;
import picocli.CommandLine;

/**
 * {@code finetune} end to end on the tiny GPT-2 fixture of the nn module ({@code nn/src/test/resources/gpt2/tiny}:
 * Hugging Face layout with vocab.json and merges.txt): the validation loss falls, the output loads back in the
 * same layout with changed weights, the tokenizer files are copied, and memory is reported.
 */
class FinetuneCommandTest {
    static final Path TINY = Path.of("../nn/src/test/resources/gpt2/tiny");

    @TempDir
    Path tmp;

    record Run(int exitCode, String stdout, double lossBefore, double lossAfter) {}

    private Run finetune(String... extra) throws Exception {
        Path data = tmp.resolve("data.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            text.append("the cat sat on the mat and then the dog ran in the rain.\n");
        }
        Files.writeString(data, text);
        List<String> args = new ArrayList<>(List.of("--model", TINY.toString(), "--data", data.toString(), "--out",
                tmp.resolve("out").toString(), "--steps", "25", "--batch", "4", "--context", "32", "--warmup", "2",
                "--eval-batches", "4"));
        args.addAll(List.of(extra));
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = new CommandLine(new FinetuneCommand()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        return new Run(code, out, number(out, "validation before: loss ([0-9.]+)"),
                number(out, "validation after:  loss ([0-9.]+)"));
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for '" + regex + "' in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void adamwLowersValidationLossAndSavesInHuggingFaceLayout() throws Exception {
        Run r = finetune("--lr", "3e-3");
        assertEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.lossAfter() < r.lossBefore() - 0.5, "validation loss " + r.lossBefore() + " -> " + r.lossAfter());
        assertTrue(r.stdout().contains("memory: peak heap while training"), r.stdout());
        assertTrue(Pattern.compile("optimizer state \\d+\\.\\d MiB, gradients held at a step 0\\.1 MiB")
                .matcher(r.stdout()).find(), r.stdout());   // 36k float32 gradients, AdamW state 2 × that

        Path out = tmp.resolve("out");
        for (String f : List.of("model.safetensors", "config.json", "vocab.json", "merges.txt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        Map<String, Tensor> before = Safetensors.read(TINY.resolve("model.safetensors")).tensors();
        Map<String, Tensor> after = Safetensors.read(out.resolve("model.safetensors")).tensors();
        assertArrayEquals(before.get("h.0.mlp.c_fc.weight").shape(), after.get("h.0.mlp.c_fc.weight").shape());
        assertFalse(java.util.Arrays.equals(before.get("h.0.mlp.c_fc.weight").toFloatArray(),
                after.get("h.0.mlp.c_fc.weight").toFloatArray()), "the weights were trained");
        HfGpt2Checkpoint.load(out, 0.0, 1); // loads back strictly
    }

    @Test
    void loraAdaptersAreMergedBeforeSaving() throws Exception {
        Run r = finetune("--lora-rank", "4", "--lr", "1e-2");
        assertEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.lossAfter() < r.lossBefore(), "validation loss " + r.lossBefore() + " -> " + r.lossAfter());
        Map<String, Tensor> after = Safetensors.read(tmp.resolve("out/model.safetensors")).tensors();
        assertTrue(after.keySet().stream().noneMatch(n -> n.contains("lora")), after.keySet().toString());
        Map<String, Tensor> before = Safetensors.read(TINY.resolve("model.safetensors")).tensors();
        assertArrayEquals(before.get("wte.weight").toFloatArray(), after.get("wte.weight").toFloatArray(),
                "LoRA leaves the embedding frozen");
    }

    @Test
    void fusedMofasgdTrainsWithoutHoldingGradients() throws Exception {
        Run r = finetune("--optimizer", "mofasgd", "--rank", "4", "--fused", "--lr", "2e-2", "--fallback-lr", "3e-3");
        assertEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.lossAfter() < r.lossBefore(), "validation loss " + r.lossBefore() + " -> " + r.lossAfter());
    }
}

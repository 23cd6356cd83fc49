package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Files cross between Java and Python (torch) both ways. Needs python3 with torch, so it runs only when asked:
 * {@code mvn -pl nn test -Dtest=PythonInteropTest -Dmofa4j.python=/usr/bin/python3}.
 */
@Tag("python")
@EnabledIfSystemProperty(named = "mofa4j.python", matches = ".+")
class PythonInteropTest {
    private static final Path SCRIPT = Path.of("src/test/python/check_safetensors.py");

    @TempDir
    Path dir;

    private static List<String> python(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(System.getProperty("mofa4j.python"), SCRIPT.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        System.out.println("$ python " + String.join(" ", args) + "\n" + out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void torchReadsACheckpointWrittenByJava() throws Exception {
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.25f - 1; // sum 4.5
        }
        Path file = dir.resolve("java.safetensors");
        CheckpointFiles.writeAtomically(file,
                Map.of("h.0.attn.weight", Tensor.wrap(w, 3, 4), "bias64", Tensor.of(new double[] {0.5, -3}, 2),
                        "scalar", Tensor.scalar(7), "empty", Tensor.zeros(0, 2)),
                Map.of("ids", IntTensor.of(new int[] {1, 2, 3, 50256}, 2, 2)), Map.of("step", "42"));

        List<String> out = python("read", file.toString());
        for (String line : List.of("tensor ids I64 [2, 2] sum=50262.0", "tensor bias64 F64 [2] sum=-2.5",
                "tensor empty F32 [0, 2] sum=0.0", "tensor h.0.attn.weight F32 [3, 4] sum=4.5",
                "tensor scalar F32 [] sum=7.0", "metadata step=42", "sha256 OK")) {
            assertTrue(out.contains(line), "missing '" + line + "' in " + out);
        }
    }

    @Test
    void javaReadsAFileWrittenByTorchAndItEqualsTheCommittedFixture() throws Exception {
        Path file = dir.resolve("torch.safetensors");
        python("write", file.toString());
        TorchFixtureTest.assertIsTheTorchFixture(Safetensors.read(file));
        assertArrayEquals(Files.readAllBytes(TorchFixtureTest.fixture()), Files.readAllBytes(file),
                "the committed fixture is what the script writes");
    }

    @Test
    void pythonRewritingAJavaFileReproducesItsBytes() throws Exception {
        Path file = dir.resolve("java.safetensors");
        Safetensors.write(file, Map.of("b", Tensor.vector(1f, 2f, 3f), "a", Tensor.scalar(4),
                "z", Tensor.of(new double[] {5, 6}, 2)), Map.of("ids", IntTensor.vector(9, 8)), Map.of("k", "v"));
        Path again = dir.resolve("python.safetensors");
        python("rewrite", file.toString(), again.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
    }
}

package org.mofa4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.nn.json.Json;
import org.mofa4j.nn.train.InspectionLog;
import picocli.CommandLine;

/** {@code train --inspect-every N} records every hidden matrix of the GPT, and {@code inspect} reports on it. */
class TrainInspectTest {
    @TempDir
    Path dir;

    @Test
    void trainWithInspectionRecordsEveryHiddenMatrixAndInspectWritesTheReport() throws Exception {
        int code = new CommandLine(new TrainCommand()).execute("--optimizer", "mofasgd", "--rank", "2", "--lr", "0.02",
                "--layers", "1", "--heads", "2", "--width", "16", "--context", "16", "--batch", "2", "--steps", "4",
                "--warmup", "1", "--eval-every", "0", "--sample-tokens", "0", "--checkpoint-every", "0",
                "--inspect-every", "2", "--out", dir.toString());
        assertEquals(0, code);
        List<Map<String, Object>> recs = Files.readAllLines(dir.resolve(InspectionLog.FILE_NAME),
                StandardCharsets.UTF_8).stream().map(l -> Json.asObject(Json.parse(l), "line")).toList();
        assertEquals("run", recs.getFirst().get("kind"));
        assertEquals("cost", recs.getLast().get("kind"));
        Set<String> params = recs.stream().filter(r -> "mofasgd".equals(r.get("kind")))
                .map(r -> (String) r.get("param")).collect(Collectors.toSet());
        assertEquals(Set.of("blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc.weight",
                "blocks.0.mlp.proj.weight"), params);
        // steps 1, 2 and 4 of each of the 4 matrices
        assertEquals(12, recs.stream().filter(r -> "mofasgd".equals(r.get("kind"))).count());

        assertEquals(0, new CommandLine(new InspectCommand()).execute(dir.toString()));
        String html = Files.readString(dir.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("blocks.0.mlp.fc.weight"));
    }
}

package org.mofa4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.json.Json;

/** A short soak (the real one is 5,000 steps, run by hand): one reading per interval, a table and a JSON line. */
class SoakBenchmarkTest {
    @Test
    void readsTheHeapEveryIntervalAndPrintsTableVerdictAndJson() {
        SoakBenchmark.Settings s = new SoakBenchmark.Settings(new GptConfig(1, 2, 16, 16, 1, 0.0), 2, 30, 10, 3);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        SoakBenchmark.Result r = SoakBenchmark.run(s, new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertEquals(List.of(10L, 20L, 30L), r.readings().stream().map(SoakBenchmark.Reading::step).toList());
        assertTrue(r.readings().stream().allMatch(x -> x.heapBytes() > 0 && Double.isFinite(x.loss())));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SoakBenchmark.print(r, new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("| 30 |") && text.contains("limit 5 %"), text);
        String jsonLine = text.lines().filter(l -> l.startsWith("JSON ")).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> json = (java.util.Map<String, Object>) Json.parse(jsonLine.substring(5));
        assertEquals("soak", json.get("benchmark"));
        assertEquals(3, ((List<?>) json.get("heap_after_gc_bytes")).size());
        assertEquals(r.flat(), json.get("flat"));
    }

    @Test
    void stepsMustBeAMultipleOfTheInterval() {
        assertThrows(IllegalArgumentException.class,
                () -> new SoakBenchmark.Settings(new GptConfig(1, 2, 16, 16, 1, 0.0), 2, 25, 10, 3));
    }
}

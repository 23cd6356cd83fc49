package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics file survives a crash mid-line and a resumed run; the curves read back count each step once. */
class MetricsLogTest {
    private static TrainingListener.StepStats step(long s, double loss) {
        return new TrainingListener.StepStats(s, 10, loss, 1e-3, 1.0, 100, 5);
    }

    @Test
    void aResumedRunAfterACutLineReadsBackOneLossPerStepTheLaterWinning(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            log.onStep(step(1, 3.0));
            log.onStep(step(2, 2.5));
            log.onEval(new TrainingListener.EvalStats(2, 2.5, 2.7));
            log.onStep(step(3, 2.2));
        }
        Files.writeString(file, "{\"type\":\"step\",\"step\":4,\"lo", StandardOpenOption.APPEND); // killed here
        try (MetricsLog resumed = new MetricsLog(file)) { // resumed from the checkpoint of step 2
            resumed.onStep(step(3, 2.25));
            resumed.onSkippedStep(4, "the training loss is NaN");
            resumed.onStep(step(5, 2.0));
            MetricsLog.Curves c = resumed.curves();
            assertEquals(4, c.train().size());
            assertArrayEquals(new double[] {3, 2.25}, c.train().get(2), 0);
            assertArrayEquals(new double[] {5, 2.0}, c.train().get(3), 0);
            assertArrayEquals(new double[] {2, 2.5, 2.7}, c.eval().getFirst(), 0);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"lo\n{\"type\":\"step\",\"step\":3"), "the resumed run starts a new line");
        assertTrue(text.contains("{\"type\":\"skip\",\"step\":4,\"reason\":\"the training loss is NaN\"}"), text);
        assertEquals(4, MetricsLog.readCurves(file).train().size(), "steps 1, 2, 3 and 5");
    }
}

package org.mofa4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.examples.bench.GptStepBenchmark.Flatness;
import org.mofa4j.examples.bench.GptStepBenchmark.Settings;
import org.mofa4j.examples.bench.GptStepBenchmark.StepResult;
import org.mofa4j.nn.GptConfig;

/**
 * Smoke tests of the GPT-step benchmark's code path on a tiny model. No timing is asserted (shared, noisy
 * machines): only that the measurement runs, yields sane numbers and survives the child-JVM line format.
 */
class GptStepBenchmarkTest {
    private static final Settings TINY = new Settings(new GptConfig(1, 2, 16, 8, 32, 0.0), 2, 1, 2, 1, 7);

    @Test
    void measuresTwoStepsOfATinyModelWithPhasesAndHeap() {
        StepResult r = GptStepBenchmark.measureHere(TINY);

        assertEquals(2, r.steps());
        assertEquals(2 * 8, r.tokensPerStep());
        for (int i = 0; i < r.steps(); i++) {
            assertTrue(r.fwd()[i] > 0 && r.bwd()[i] > 0 && r.opt()[i] > 0, "every phase takes time");
            assertEquals(r.fwd()[i] + r.bwd()[i] + r.opt()[i], r.total()[i], 1e-12, "the step is the sum of phases");
        }
        assertTrue(Double.isFinite(r.firstLoss()) && Double.isFinite(r.lastLoss()));
        assertTrue(r.lastLoss() < r.firstLoss(), "AdamW on one fixed batch lowers the loss: " + r.firstLoss()
                + " -> " + r.lastLoss());
        assertTrue(r.heap().liveBytes() > 0);
        assertTrue(r.heap().liveAtBackwardBytes() > r.heap().liveBytes(), "activations saved for backward are live");
        assertTrue(r.heap().peakMedianBytes() >= r.heap().liveBytes() / 2, "peak counts the live heap too");
    }

    @Test
    void resultSurvivesTheChildJvmLineFormat() {
        StepResult r = GptStepBenchmark.measureHere(TINY);
        StepResult back = StepResult.fromLine(r.toLine());

        assertArrayEquals(r.total(), back.total());
        assertArrayEquals(r.bwd(), back.bwd());
        assertEquals(r.heap(), back.heap());
        assertEquals(r.parameters(), back.parameters());
        List<BenchRow> rows = back.rows(TINY.shapeName());
        assertEquals(List.of("gpt-step", "gpt-fwd", "gpt-bwd", "gpt-opt"), rows.stream().map(BenchRow::group).toList());
        assertEquals(16 / r.minMillis() * 1e3, rows.getFirst().rateBest(), 1e-6, "tokens per second at the min");
    }

    @Test
    void readsThePythonPeersLine() {
        String line = "GPTSTEP\timpl=pytorch\tversion=1.13.0a0\tthreads=1\ttokens=1024\tparams=834304"
                + "\ttotal=0.1,0.12\tfwd=0.03,0.04\tbwd=0.06,0.07\topt=0.01,0.01\tfirst_loss=5.5\tlast_loss=5.4"
                + "\tcpu_per_wall=0.99\tmax_rss_bytes=1\tnote=torch 1.13";
        StepResult p = StepResult.fromLine(line);

        assertEquals("pytorch", p.impl());
        assertEquals(100.0, p.minMillis(), 1e-9);
        assertEquals(120.0, p.medianMillis(), 1e-9, "upper middle of an even count");
        assertEquals(null, p.heap());
    }

    @Test
    void flatnessRecordsTheHeapAtEachCheckpoint() {
        Flatness f = GptStepBenchmark.flatness(TINY, 4, new int[] {2, 4}, false);

        assertArrayEquals(new int[] {2, 4}, f.checkpoints());
        assertEquals(2, f.heapAfterGcBytes().length);
        assertTrue(f.heapAfterGcBytes()[0] > 0 && f.heapAfterGcBytes()[1] > 0);
        assertTrue(f.maxRelativeChange() >= 0);
        assertEquals(f.toLine(), Flatness.fromLine(f.toLine()).toLine());
    }

    @Test
    void unmeasuredRowPrintsItsReasonAndNullRates() {
        BenchRow r = BenchRow.unavailable("gpt-step", "L4", "pytorch", 1, "tok/s", "peer unavailable: no torch");

        assertFalse(r.measured());
        assertTrue(r.toTableLine().endsWith("peer unavailable: no torch"));
        assertTrue(r.toJson().contains("\"best\":null"));
        assertEquals(r, BenchRow.fromLine(r.toLine()));
    }
}

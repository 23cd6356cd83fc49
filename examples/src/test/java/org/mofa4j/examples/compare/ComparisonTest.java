package org.mofa4j.examples.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compare workflow on a tiny model (child JVMs included): two invocations with the same settings give the
 * same losses and state sizes, a second invocation in the same directory runs nothing again, and a directory of
 * other settings is refused.
 */
class ComparisonTest {
    private static CompareSettings tiny(long seed) {
        return new CompareSettings(null, null, null, 1, 2, 16, 16, 4, 3, 2, 2, 2, List.of("mofasgd"), List.of(2),
                seed);
    }

    private static List<RunResult> run(CompareSettings s, Path out, ByteArrayOutputStream log) throws Exception {
        return new Comparison(s, out, 1, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
    }

    @Test
    void aFineTuningRunIsAPureFunctionOfTheSettings(@TempDir Path dir) throws Exception {
        CompareSettings s = tiny(7);
        run(s.withMethods(List.of()), dir, new ByteArrayOutputStream()); // settings and the base model only
        CompareMethod m = CompareMethod.of("mofasgd", 2);
        RunResult x = FineTuneRun.runHere(s, dir, m, 1e-2);
        RunResult y = FineTuneRun.runHere(s, dir, m, 1e-2);

        assertEquals(x.evalLosses(), y.evalLosses());
        assertEquals(x.stateBytes(), y.stateBytes());
        assertEquals(List.of(2L, 3L), x.evalSteps());
        assertTrue(x.finalValLoss() < x.baseValLoss() + 1, "finite and sane: " + x);
    }

    @Test
    void finishedRunsAreNotRepeated(@TempDir Path dir) throws Exception {
        CompareSettings s = tiny(7);
        List<CompareMethod> methods = CompareMethod.all(s.methods(), s.ranks());
        s.writeOrCheck(dir);
        for (CompareMethod m : methods) {
            for (double lr : m.lrs()) {
                result(lr, false, 2.0 - lr).write(Comparison.resultFile(dir, m, lr));
            }
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<RunResult> rs = run(s, dir, log); // pre-trains the tiny base, then finds every run done

        assertEquals(3, log.toString(StandardCharsets.UTF_8).split("done earlier, kept", -1).length - 1,
                log.toString(StandardCharsets.UTF_8));
        assertEquals(3, rs.size());
        assertTrue(Files.readString(dir.resolve("compare.md")).contains("| mofasgd r2 | 3e-02"),
                Files.readString(dir.resolve("compare.md")));
    }

    /** The whole workflow with child JVMs, twice (several JVM starts: slow on a shared machine). */
    @Tag("slow")
    @Test
    void sameSettingsGiveTheSameTableAndFinishedRunsAreNotRepeated(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<RunResult> a = run(tiny(7), dir.resolve("a"), log);
        List<RunResult> b = run(tiny(7), dir.resolve("b"), log);

        assertEquals(3, a.size(), "one run per learning rate");
        for (int i = 0; i < a.size(); i++) {
            RunResult x = a.get(i);
            RunResult y = b.get(i);
            assertEquals(x.lr(), y.lr());
            assertEquals(x.evalLosses(), y.evalLosses(), "validation losses of " + x.method().runId(x.lr()));
            assertEquals(x.baseValLoss(), y.baseValLoss());
            assertEquals(x.stateBytes(), y.stateBytes());
            assertEquals(x.trainableParams(), y.trainableParams());
            assertFalse(x.diverged());
            assertTrue(x.peakHeapBytes() > 0, "the heap was probed");
            assertEquals(List.of(2L, 3L), x.evalSteps());
        }
        Path file = Comparison.resultFile(dir.resolve("a"), a.getFirst().method(), a.getFirst().lr());
        byte[] before = Files.readAllBytes(file);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        List<RunResult> c = run(tiny(7), dir.resolve("a"), again);

        assertEquals(a, c, "the resumed invocation reads the stored results");
        assertEquals(3, again.toString(StandardCharsets.UTF_8).split("done earlier, kept", -1).length - 1,
                again.toString(StandardCharsets.UTF_8));
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(file), "not rewritten");
        String md = Files.readString(dir.resolve("a").resolve("compare.md"));
        assertTrue(md.contains("| mofasgd r2 |"), md);
        assertTrue(Files.size(dir.resolve("a").resolve("compare.png")) > 1000, "the plot was drawn");
    }

    @Test
    void aDirectoryOfOtherSettingsIsRefusedBeforeAnythingRuns(@TempDir Path dir) {
        tiny(7).writeOrCheck(dir);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(tiny(8), dir, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("base")), "nothing was pre-trained");
    }

    @Test
    void otherMethodOrRankListsShareADirectoryOtherBudgetsDoNot(@TempDir Path dir) {
        tiny(7).writeOrCheck(dir);
        tiny(7).withMethods(List.of("lora", "adamw")).withRanks(List.of(4, 8)).writeOrCheck(dir);

        CompareSettings longer = new CompareSettings(null, null, null, 1, 2, 16, 16, 4, 4, 2, 2, 2,
                List.of("mofasgd"), List.of(2), 7);
        assertThrows(IllegalArgumentException.class, () -> longer.writeOrCheck(dir));
    }

    @Test
    void theReportPicksTheBestFinalLossAndNeverADivergedRun() {
        CompareSettings s = tiny(7);
        RunResult good = result(1e-3, false, 2.0);
        RunResult better = result(3e-3, false, 1.5);
        RunResult diverged = result(1e-2, true, Double.NaN);
        CompareReport report = new CompareReport(s, List.of(good, better, diverged));

        assertEquals(better, report.summaries().getFirst().best());
        assertTrue(report.markdown().contains("1e-02†"), report.markdown());
        CompareReport allBad = new CompareReport(s, List.of(diverged));
        assertNull(allBad.summaries().getFirst().best());
        assertTrue(allBad.markdown().contains("all diverged"), allBad.markdown());
    }

    @Test
    void resultsRoundTripThroughJsonWithNonFiniteLossesAsNull() {
        RunResult r = result(1e-2, true, Double.NaN);
        RunResult back = RunResult.fromJson(org.mofa4j.nn.json.Json.write(r.toJsonMap(),
                org.mofa4j.nn.json.Json.Escape.ASCII), "test");

        assertEquals(r.toJsonMap(), back.toJsonMap());
        assertTrue(Double.isNaN(back.finalValLoss()));
    }

    private static RunResult result(double lr, boolean diverged, double loss) {
        return new RunResult("mofasgd", 2, lr, diverged, 3.0, loss, loss, List.of(2L), List.of(loss), 100, 1 << 20,
                50, 1.0, 1000);
    }
}

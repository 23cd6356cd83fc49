package org.mofa4j.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.BuiltInCorpus;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.json.Json;
import org.mofa4j.nn.train.MetricsLog;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * The soak benchmark: a long run of the real training loop (built-in corpus, char tokenizer, AdamW, schedule,
 * clipping, evaluation, the metrics log and checkpoints with pruning, every {@code every} steps) that records the
 * heap used after a full GC every {@code every} steps. Memory held by anything in the loop that grows with the
 * step count (graphs kept alive, caches, listeners, checkpoint buffers) shows as growth. The run is flat when every
 * reading is within {@value #TOLERANCE_PERCENT} % of the first one (taken after {@code every} steps, once the
 * optimizer state exists and the JIT has settled).
 */
public final class SoakBenchmark {
    /** Largest allowed change of the heap after a full GC, relative to the first reading, in percent. */
    public static final double TOLERANCE_PERCENT = 5.0;

    /** What to run: the model shape, the batch and the length of the soak. */
    public record Settings(GptConfig model, int batch, int steps, int every, long seed) {
        public Settings {
            if (batch < 1 || steps < 1 || every < 1 || steps % every != 0) {
                throw new IllegalArgumentException("SoakBenchmark: need batch ≥ 1, steps ≥ 1, every ≥ 1 and steps a "
                        + "multiple of every, got batch " + batch + ", steps " + steps + ", every " + every);
            }
        }
    }

    /** One heap reading. */
    public record Reading(long step, long heapBytes, double loss, double seconds) {}

    /** All readings and the verdict. */
    public record Result(Settings settings, GptConfig model, List<Reading> readings, double maxChangePercent,
            boolean flat, double medianStepMillis) {}

    private SoakBenchmark() {}

    /** Runs the soak in this JVM, printing a progress line per reading to {@code log}. */
    public static Result run(Settings s, PrintStream log) {
        Path dir;
        try {
            dir = Files.createTempDirectory("mofa4j-soak");
        } catch (IOException e) {
            throw new UncheckedIOException("soak: cannot create a temporary run directory", e);
        }
        try {
            return runIn(dir, s, log);
        } finally {
            deleteTree(dir);
        }
    }

    private static Result runIn(Path dir, Settings s, PrintStream log) {
        Tokenizer tok = CharTokenizer.fromCorpus(BuiltInCorpus.text());
        TextDataset.Split split = TextDataset.fromText(BuiltInCorpus.text(), tok, "built-in corpus").split();
        GptConfig cfg = new GptConfig(s.model().layers(), s.model().heads(), s.model().width(), s.model().context(),
                tok.vocabSize(), s.model().dropout());
        Gpt model = new Gpt(cfg, s.seed());
        StatefulOptimizer opt = Optimizers.create(Optimizers.Spec.of("adamw", 1e-3), model.trainableParameters());
        TrainConfig tc = new TrainConfig(s.steps(), s.batch(), cfg.context(), 1, Math.min(100, s.steps()), 0.1, 1.0,
                s.every(), 4, s.every(), s.seed());
        List<Reading> readings = new ArrayList<>();
        double[] lastLoss = {Double.NaN};
        double[] stepMillis = new double[s.steps()];
        long start = System.nanoTime();
        // the reading closes each interval after its evaluation and checkpoint, so all of a cycle's work is done
        Trainer trainer = new Trainer(model, opt, split.train(), split.validation(), tc, 1e-3).onCheckpoint(t -> {
            TrainingCheckpoint.save(dir, t, tok, 2);
            long heap = HeapProbe.liveHeapBytes();
            Reading r = new Reading(t.step(), heap, lastLoss[0],
                    (System.nanoTime() - start) / 1e9);
            readings.add(r);
            log.printf(Locale.ROOT, "soak: step %d/%d, heap after full GC %.2f MiB, loss %.4f, %.0f s%n", r.step(),
                    s.steps(), heap / 1048576.0, r.loss(), r.seconds());
        });
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats st) {
                stepMillis[(int) st.step() - 1] = st.millis();
                lastLoss[0] = st.loss();
            }
        });
        try (MetricsLog metrics = new MetricsLog(dir.resolve("metrics.jsonl"))) {
            trainer.addListener(metrics);
            trainer.run();
        }
        long first = readings.getFirst().heapBytes();
        double maxChange = 0;
        for (Reading r : readings) {
            maxChange = Math.max(maxChange, Math.abs(r.heapBytes() - first) * 100.0 / first);
        }
        double[] sorted = stepMillis.clone();
        java.util.Arrays.sort(sorted);
        return new Result(s, cfg, List.copyOf(readings), maxChange, maxChange <= TOLERANCE_PERCENT,
                sorted[sorted.length / 2]);
    }

    /** The table, the verdict line and the {@code JSON} line. */
    public static void print(Result r, PrintStream out) {
        Settings s = r.settings();
        out.printf(Locale.ROOT, "soak: %s, batch %d, %d steps, %d kernel threads, full GC every %d steps%n",
                r.model(), s.batch(), s.steps(), KernelMode.threads(), s.every());
        out.println("| step | heap after full GC (MiB) | change vs first | train loss | elapsed (s) |");
        out.println("|---:|---:|---:|---:|---:|");
        long first = r.readings().getFirst().heapBytes();
        for (Reading x : r.readings()) {
            out.printf(Locale.ROOT, "| %d | %.2f | %+.2f %% | %.4f | %.0f |%n", x.step(), x.heapBytes() / 1048576.0,
                    (x.heapBytes() - first) * 100.0 / first, x.loss(), x.seconds());
        }
        Reading last = r.readings().getLast();
        out.printf(Locale.ROOT, "soak: heap after full GC %.2f → %.2f MiB over %d steps, largest change %.2f %% "
                        + "(limit %.0f %%): %s; median step %.1f ms%n", first / 1048576.0, last.heapBytes() / 1048576.0,
                s.steps(), r.maxChangePercent(), TOLERANCE_PERCENT, r.flat() ? "FLAT" : "GROWING",
                r.medianStepMillis());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "soak");
        json.put("model", r.model().toString());
        json.put("batch", s.batch());
        json.put("steps", s.steps());
        json.put("every", s.every());
        json.put("threads", KernelMode.threads());
        json.put("steps_at", r.readings().stream().map(Reading::step).toList());
        json.put("heap_after_gc_bytes", r.readings().stream().map(Reading::heapBytes).toList());
        json.put("max_change_percent", r.maxChangePercent());
        json.put("limit_percent", TOLERANCE_PERCENT);
        json.put("flat", r.flat());
        json.put("median_step_ms", r.medianStepMillis());
        json.put("last_loss", last.loss());
        out.println("JSON " + Json.write(json, Json.Escape.ASCII));
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("soak: could not remove " + dir + ": " + e.getMessage());
        }
    }
}

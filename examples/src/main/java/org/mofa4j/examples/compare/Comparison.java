package org.mofa4j.examples.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mofa4j.examples.bench.ChildProcess;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * The {@code compare} workflow in an output directory:
 * <ol>
 *   <li>{@code settings.json}: written, or checked against the settings of an earlier invocation;</li>
 *   <li>{@code base/}: the base checkpoint, pre-trained here with AdamW unless {@code --base} names one (skipped
 *       when it already exists);</li>
 *   <li>{@code runs/<method>-r<rank>_lr<lr>.json}: one fine-tuning run per method, rank and learning rate, each in
 *       a fresh child JVM ({@link FineTuneRun}; {@code -Xmx2g}, serial GC), skipped when its file exists, so an
 *       interrupted comparison resumes where it stopped;</li>
 *   <li>{@code compare.md}, {@code compare.json}, {@code compare.png}: the report ({@link CompareReport}), with
 *       the best learning rate of each method.</li>
 * </ol>
 * Every run starts from the same base weights and sees the same batches in the same order (the batch sampler is a
 * pure function of seed and step), so the losses, state bytes and parameter counts of two invocations with the
 * same settings are identical; only timings, and the heap readings to within their small spread, vary.
 */
public final class Comparison {
    /** The line a finished child prints. */
    static final String CHILD_TAG = "COMPARE_RUN";
    private static final long CHILD_TIMEOUT_SECONDS = 3600;

    private final CompareSettings settings;
    private final Path out;
    private final int threads;
    private final PrintStream log;
    private final boolean reportOnly;

    /** {@code threads}: kernel threads of each child JVM. */
    public Comparison(CompareSettings settings, Path out, int threads, PrintStream log) {
        this(settings, out, threads, log, false);
    }

    /** {@code reportOnly}: run nothing, report the runs already finished (missing ones are listed in the log). */
    public Comparison(CompareSettings settings, Path out, int threads, PrintStream log, boolean reportOnly) {
        if (threads < 1) {
            throw new IllegalArgumentException("compare: threads must be ≥ 1, got " + threads);
        }
        this.settings = settings;
        this.out = out;
        this.threads = threads;
        this.log = log;
        this.reportOnly = reportOnly;
    }

    static Path baseDir(CompareSettings s, Path out) {
        return s.base() != null ? s.base() : out.resolve("base");
    }

    static Path resultFile(Path out, CompareMethod m, double lr) {
        return out.resolve("runs").resolve(m.runId(lr) + ".json");
    }

    /**
     * Runs what is missing (unless report-only), then writes the report; returns the results in table order.
     */
    public List<RunResult> run() throws IOException, InterruptedException {
        settings.writeOrCheck(out);
        if (!reportOnly) {
            ensureBase();
        }
        List<RunResult> results = new ArrayList<>();
        List<CompareMethod> methods = CompareMethod.all(settings.methods(), settings.ranks());
        int total = methods.stream().mapToInt(m -> m.lrs().size()).sum();
        int done = 0;
        for (CompareMethod m : methods) {
            for (double lr : m.lrs()) {
                done++;
                Path file = resultFile(out, m, lr);
                String what = String.format(Locale.ROOT, "[%d/%d] %s lr %.0e", done, total, m.label(), lr);
                if (Files.exists(file)) {
                    log.println(what + ": done earlier, kept");
                } else if (reportOnly) {
                    log.println(what + ": not run yet, left out of the report");
                    continue;
                } else {
                    long t0 = System.nanoTime();
                    runChild(m, lr);
                    RunResult r = RunResult.read(file);
                    log.printf(Locale.ROOT, "%s: final val %s, peak heap %.1f MiB (%.0f s)%n", what,
                            r.diverged() ? "diverged" : String.format(Locale.ROOT, "%.4f", r.finalValLoss()),
                            r.peakHeapBytes() / 1048576.0, (System.nanoTime() - t0) / 1e9);
                }
                results.add(RunResult.read(file));
            }
        }
        new CompareReport(settings, results).writeAll(out);
        return results;
    }

    private void runChild(CompareMethod m, double lr) throws IOException, InterruptedException {
        List<String> cmd = ChildProcess.javaCommand(threads, ChildProcess.MEASURING_GC, FineTuneRun.class,
                List.of(out.toAbsolutePath().toString(), m.family(), Integer.toString(m.rank()), Double.toString(lr)));
        ChildProcess.Output o = ChildProcess.run(cmd, Map.of(), CHILD_TAG, CHILD_TIMEOUT_SECONDS);
        if (!o.ok()) {
            throw new IOException("compare: the run of " + m.label() + " at lr " + lr + " failed (exit "
                    + o.exitCode() + "); finished runs are kept, so rerunning the command resumes here:\n"
                    + o.tail(30));
        }
    }

    /** Pre-trains and saves the base model unless it exists (or {@code --base} names one, which must exist). */
    private void ensureBase() {
        Path dir = baseDir(settings, out);
        if (settings.base() != null || TrainingCheckpoint.latestModelFile(dir) != null) {
            TrainingCheckpoint.Loaded b = TrainingCheckpoint.loadModel(dir); // fails early on a bad --base
            if (b.config().context() < settings.context()) {
                throw new IllegalArgumentException("compare: the base model's context " + b.config().context()
                        + " is shorter than --context " + settings.context());
            }
            log.println("base model: " + b.file() + " (" + b.config() + ")");
            return;
        }
        CompareData data = CompareData.load(settings);
        Tokenizer tok = data.tokenizer();
        TextDataset.Split split = data.pretrain(tok);
        GptConfig config = new GptConfig(settings.layers(), settings.heads(), settings.width(), settings.context(),
                tok.vocabSize(), 0.0);
        Gpt model = new Gpt(config, settings.seed());
        StatefulOptimizer opt = Optimizers.create(Optimizers.Spec.of("adamw", 1e-3), model.trainableParameters());
        int n = settings.pretrainSteps();
        TrainConfig tc = new TrainConfig(n, settings.batch(), settings.context(), 1, Math.min(100, n / 10), 0.1, 1.0,
                n, settings.evalBatches(), 0, settings.seed());
        Trainer trainer = new Trainer(model, opt, split.train(), split.validation(), tc, 1e-3);
        log.printf(Locale.ROOT, "pre-training the base model on the %s: %s, %d AdamW steps%n", data.pretrainSource(),
                config, n);
        long t0 = System.nanoTime();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                if (s.step() % Math.max(1, n / 10) == 0) {
                    log.printf(Locale.ROOT, "  step %d/%d loss %.4f%n", s.step(), n, s.loss());
                }
            }

            @Override
            public void onEval(EvalStats e) {
                log.printf(Locale.ROOT, "  validation loss %.4f (%.0f s)%n", e.validationLoss(),
                        (System.nanoTime() - t0) / 1e9);
            }
        });
        trainer.run();
        TrainingCheckpoint.save(dir, trainer, tok, 1);
    }
}

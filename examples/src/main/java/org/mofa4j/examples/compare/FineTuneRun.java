package org.mofa4j.examples.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mofa4j.examples.bench.PeakHeapProbe;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.LoraConfig;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.train.NonFiniteLossException;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.kernels.Gemm;

/**
 * One fine-tuning run of the comparison, meant to run alone in a fresh JVM (see {@link Comparison}): loads the
 * base checkpoint, builds the method's optimizer, trains {@code steps} steps on the fine-tuning text with the same
 * batches as every other run, evaluates on fixed validation batches every {@code evalEvery} steps, and measures
 * the peak live heap on steps 3 and 4 with a {@link PeakHeapProbe} (see {@link #probedSteps}).
 *
 * <p>Schedule: warm-up over the first 10% of the steps, then cosine to 10% of the learning rate.
 */
public final class FineTuneRun {
    private FineTuneRun() {
    }

    /** Runs method {@code m} at {@code lr} under {@code s}; {@code outDir} holds the base checkpoint. */
    static RunResult runHere(CompareSettings s, Path outDir, CompareMethod m, double lr) {
        TrainingCheckpoint.Loaded base = TrainingCheckpoint.loadModel(Comparison.baseDir(s, outDir));
        CompareData data = CompareData.load(s);
        TextDataset.Split ft = data.finetune(base.tokenizer(), s.context());
        Gpt model = base.model();
        if (m.lora()) {
            Lora.apply(model, LoraConfig.of(m.rank()), s.seed());
        }
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(m.optimizer(), lr, 0.1, 0.99,
                Math.max(1, m.rank()), CompareMethod.FALLBACK_LR, m.fused()), model.trainableParameters());
        TrainConfig tc = new TrainConfig(s.steps(), s.batch(), s.context(), 1, Math.max(1, s.steps() / 10), 0.1,
                m.clip(), s.evalEvery(), s.evalBatches(), 0, s.seed());
        Trainer trainer = new Trainer(model, opt, ft.train(), ft.validation(), tc, lr);
        double baseVal = trainer.evaluate(ft.validation(), s.evalBatches());
        PeakHeapProbe probe = PeakHeapProbe.install(trainer, probedSteps(s.steps()));
        List<Long> evalSteps = new ArrayList<>();
        List<Double> evalLosses = new ArrayList<>();
        double[] stepMillis = {0};
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats st) {
                stepMillis[0] += st.millis();
            }

            @Override
            public void onEval(EvalStats e) {
                evalSteps.add(e.step());
                evalLosses.add(e.validationLoss());
            }
        });
        boolean diverged = false;
        long t0 = System.nanoTime();
        try {
            trainer.run();
        } catch (NonFiniteLossException | ArithmeticException e) {
            diverged = true; // a NaN/Inf loss, or an optimizer refusing a non-finite gradient
        }
        double probeSeconds = probe.probeNanos() / 1e9;
        double wall = (System.nanoTime() - t0) / 1e9 - probeSeconds;
        double trainSeconds = stepMillis[0] / 1e3 - probeSeconds;
        double finalVal = diverged || evalLosses.isEmpty() ? Double.NaN : evalLosses.getLast();
        double bestVal = diverged ? Double.NaN
                : evalLosses.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        if (!Double.isFinite(finalVal)) {
            diverged = true;
        }
        return new RunResult(m.family(), m.rank(), lr, diverged, baseVal, finalVal, bestVal, evalSteps, evalLosses,
                opt.stateBytes(), probe.maxLiveBytes(), model.trainableParameterCount(), wall,
                trainer.step() * tc.tokensPerStep() / trainSeconds);
    }

    /**
     * Steps 3 and 4: after step 1 (which allocates the optimizer state and, for MoFaSGD's gradient
     * initialisation, holds every full gradient once) and step 2 (which still read a few MiB higher in trials), and
     * two consecutive steps, because the live heap can alternate between odd and even steps by a few MiB. Early,
     * because a first full GC after many steps without one read up to 15 MiB more, the same for every method and
     * not explained yet; probing early gave the same per-step readings over 100 steps.
     */
    static Set<Long> probedSteps(int steps) {
        return steps >= 4 ? Set.of(3L, 4L) : Set.of((long) steps);
    }

    /** {@code OUT_DIR FAMILY RANK LR}: runs one fine-tuning in this JVM and writes its result file. */
    public static void main(String[] args) {
        if (args.length != 4) {
            throw new IllegalArgumentException("FineTuneRun: expected OUT_DIR FAMILY RANK LR, got " + List.of(args));
        }
        Path out = Path.of(args[0]);
        CompareSettings s = CompareSettings.read(out);
        CompareMethod m = CompareMethod.of(args[1], Integer.parseInt(args[2]));
        double lr = Double.parseDouble(args[3]);
        Gemm.warmUp();
        RunResult r = runHere(s, out, m, lr);
        r.write(Comparison.resultFile(out, m, lr));
        System.out.println(Comparison.CHILD_TAG + "\t" + m.runId(lr));
    }
}

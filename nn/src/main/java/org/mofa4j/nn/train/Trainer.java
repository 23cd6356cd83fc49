package org.mofa4j.nn.train;

import java.util.ArrayList;
import java.util.List;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.GradMode;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.data.Batch;
import org.mofa4j.nn.data.BatchSampler;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.optim.CompositeOptimizer;
import org.mofa4j.optim.FusedInBackward;
import org.mofa4j.optim.FusedUpdateOptimizer;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * The training loop for a GPT: per step, {@code accumulation} micro-batches (loss averaged, gradients summed),
 * optional global-norm clipping, an optimizer step at the scheduled learning rate, then evaluation and
 * checkpoints at their intervals.
 *
 * <p>Everything random is a pure function of (seed, step), so a run resumed from a checkpoint at step N
 * repeats exactly what an uninterrupted run does after step N: micro-batch j of step s is
 * {@code BatchSampler.batchAt(s·accumulation + j)}, validation batches come from a fixed sampler, and the
 * dropout generator's state is saved in the checkpoint.
 */
public final class Trainer {
    /** Called after each checkpoint-worthy step; returns nothing, may throw to abort. */
    @FunctionalInterface
    public interface CheckpointWriter {
        void write(Trainer trainer);
    }

    private final Gpt model;
    private final StatefulOptimizer optimizer;
    private final TrainConfig config;
    private final double baseLrForLogs;
    private final BatchSampler trainBatches;
    private final TokenStream validation;
    private final LrSchedule schedule;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private CheckpointWriter checkpointWriter;
    private long step;
    private double lastTrainLoss = Double.NaN;

    /**
     * @param baseLr the optimizer's configured learning rate, used only to report the scheduled value
     */
    public Trainer(Gpt model, StatefulOptimizer optimizer, TokenStream train, TokenStream validation,
            TrainConfig config, double baseLr) {
        if (config.context() > model.config().context()) {
            throw new IllegalArgumentException("Trainer: training context " + config.context()
                    + " exceeds the model's context " + model.config().context());
        }
        train.requireWindow(config.context());
        if (config.evalEvery() > 0) {
            validation.requireWindow(config.context());
        }
        if (consumesGradients(optimizer) && config.clipNorm() > 0) {
            throw new IllegalArgumentException("Trainer: " + optimizer.name() + " works inside backward and consumes "
                    + "the gradients, so the trainer cannot clip them; set the clip norm to 0 and configure clipping "
                    + "on the optimizer instead");
        }
        if (optimizer instanceof FusedUpdateOptimizer<?> f && f.isAttached() && config.accumulation() > 1) {
            throw new IllegalArgumentException("Trainer: " + optimizer.name() + " updates the weights inside backward, "
                    + "so gradients cannot be accumulated over " + config.accumulation() + " micro-batches; use "
                    + "accumulation 1 (MoFaSGD's fused mode does accumulate exactly)");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.baseLrForLogs = baseLr;
        this.trainBatches = new BatchSampler(train, config.batchSize(), config.context(), config.seed());
        this.validation = validation;
        this.schedule = new LrSchedule(config.warmupSteps(), config.steps(), config.finalLrFraction());
    }

    public Trainer addListener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    public Trainer onCheckpoint(CheckpointWriter writer) {
        this.checkpointWriter = writer;
        return this;
    }

    /** Completed optimizer steps. */
    public long step() {
        return step;
    }

    /** Sets the completed step count (when resuming from a checkpoint). */
    public void resumeAt(long completedSteps) {
        if (completedSteps < 0 || completedSteps > config.steps()) {
            throw new IllegalArgumentException("Trainer: cannot resume at step " + completedSteps + " of "
                    + config.steps());
        }
        this.step = completedSteps;
    }

    public Gpt model() {
        return model;
    }

    public StatefulOptimizer optimizer() {
        return optimizer;
    }

    public TrainConfig config() {
        return config;
    }

    /** Runs the remaining steps. */
    public void run() {
        for (TrainingListener l : listeners) {
            l.onStart(step, config.steps());
        }
        model.train(true);
        while (step < config.steps()) {
            trainOneStep();
            step++;
            boolean last = step == config.steps();
            if (config.evalEvery() > 0 && (step % config.evalEvery() == 0 || last)) {
                TrainingListener.EvalStats ev = new TrainingListener.EvalStats(step, lastTrainLoss,
                        evaluate(validation, config.evalBatches()));
                for (TrainingListener l : listeners) {
                    l.onEval(ev);
                }
            }
            if (checkpointWriter != null && config.checkpointEvery() > 0
                    && (step % config.checkpointEvery() == 0 || last)) {
                checkpointWriter.write(this);
            }
        }
        for (TrainingListener l : listeners) {
            l.onEnd(step);
        }
    }

    private void trainOneStep() {
        long t0 = System.nanoTime();
        double scale = schedule.scale(step);
        optimizer.setLrScale(scale);
        double lossSum = 0;
        for (int micro = 0; micro < config.accumulation(); micro++) {
            Batch b = trainBatches.batchAt(step * config.accumulation() + micro);
            Variable loss = model.loss(b.inputs(), b.targets());
            double value = loss.value().item();
            if (!Double.isFinite(value)) {
                throw new NonFiniteLossException(step, "the training loss", value);
            }
            lossSum += value;
            Variable scaled = config.accumulation() == 1 ? loss : ElementwiseFns.mul(loss, 1.0 / config.accumulation());
            if (optimizer instanceof FusedUpdateOptimizer<?> f && f.isAttached()) {
                f.backward(scaled); // LOMO/AdaLomo: norm pass if clipping, update pass, and the step itself
            } else {
                scaled.backward();  // fused MoFaSGD hooks, if attached, accumulate their products here
            }
        }
        double gradNorm = config.clipNorm() > 0
                ? GradClipping.clipGlobalNorm(optimizer.parameters(), config.clipNorm())
                : Double.NaN;
        if (config.clipNorm() > 0 && !Double.isFinite(gradNorm)) {
            throw new NonFiniteLossException(step, "the gradient norm", gradNorm);
        }
        for (TrainingListener l : listeners) {
            l.beforeOptimizerStep(step + 1);
        }
        if (!(optimizer instanceof FusedUpdateOptimizer<?> f && f.isAttached())) {
            optimizer.step();
        }
        optimizer.zeroGrad();
        lastTrainLoss = lossSum / config.accumulation();
        double ms = (System.nanoTime() - t0) / 1e6;
        TrainingListener.StepStats stats = new TrainingListener.StepStats(step + 1, config.steps(), lastTrainLoss,
                baseLrForLogs * scale, gradNorm, config.tokensPerStep() / (ms / 1000), ms);
        for (TrainingListener l : listeners) {
            l.onStep(stats);
        }
    }

    /** True when the optimizer, or a part of it, consumes gradients inside backward (fused mode). */
    static boolean consumesGradients(StatefulOptimizer o) {
        if (o instanceof CompositeOptimizer c) {
            for (StatefulOptimizer part : c.parts()) {
                if (consumesGradients(part)) {
                    return true;
                }
            }
            return false;
        }
        return o instanceof FusedInBackward f && f.isAttached();
    }

    /** Mean loss over {@code batches} fixed batches of {@code stream} (the same batches every call), no grad. */
    public double evaluate(TokenStream stream, int batches) {
        boolean wasTraining = model.isTraining();
        model.train(false);
        BatchSampler sampler = new BatchSampler(stream, config.batchSize(), config.context(), config.seed() ^ 0x5EED);
        double sum = 0;
        try (GradMode.Scope ignored = GradMode.disabled()) {
            for (int i = 0; i < batches; i++) {
                Batch b = sampler.batchAt(i);
                sum += model.loss(b.inputs(), b.targets()).value().item();
            }
        } finally {
            model.train(wasTraining);
        }
        return sum / batches;
    }
}

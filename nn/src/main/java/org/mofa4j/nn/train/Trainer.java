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
    private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.STOP;
    private long skippedSteps;
    private volatile boolean stopRequested;
    private boolean stoppedEarly;
    private long step;
    private double lastTrainLoss = Double.NaN;
    private long peakGradientBytes;
    private DeviceTrainer device;

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

    /**
     * Runs every step on {@code deviceTrainer} (opened for this trainer's model, optimizer and config) instead of
     * the host: the trainer then copies the device state to the host model and optimizer before each evaluation,
     * each checkpoint and at the end of {@link #run()}. Accumulation must be 1. Pass null to train on the host.
     */
    public Trainer onDevice(DeviceTrainer deviceTrainer) {
        if (deviceTrainer != null && config.accumulation() != 1) {
            throw new IllegalArgumentException("Trainer: a device trainer runs one micro-batch per step, got "
                    + "accumulation " + config.accumulation());
        }
        this.device = deviceTrainer;
        return this;
    }

    /** The device trainer set by {@link #onDevice}, or null. */
    public DeviceTrainer device() {
        return device;
    }

    public Trainer onCheckpoint(CheckpointWriter writer) {
        this.checkpointWriter = writer;
        return this;
    }

    /** What a NaN or infinite loss or gradient norm does to the run. */
    public enum NonFinitePolicy {
        /** Throw {@link NonFiniteLossException} naming the step (the default); checkpoints already written stay. */
        STOP,
        /** Skip the step (no update, gradients dropped), count it ({@link #skippedSteps()}) and go on. */
        SKIP
    }

    /**
     * Sets the non-finite policy (default {@link NonFinitePolicy#STOP}). With SKIP the gradients are checked before
     * each optimizer step (one extra pass over them when clipping is off). Optimizers that update inside backward
     * (LOMO, AdaLomo) can only skip on the loss, which is checked before backward; a bad gradient inside their
     * backward is handled by their own {@code NonFiniteGradPolicy}.
     */
    public Trainer onNonFinite(NonFinitePolicy policy) {
        if (policy == null) {
            throw new IllegalArgumentException("Trainer.onNonFinite: policy must be STOP or SKIP, got null");
        }
        this.nonFinitePolicy = policy;
        return this;
    }

    /** Steps skipped because of a NaN or infinite loss or gradient norm (policy SKIP), in this process. */
    public long skippedSteps() {
        return skippedSteps;
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
            boolean evalDue = config.evalEvery() > 0 && (step % config.evalEvery() == 0 || last);
            boolean checkpointDue = checkpointWriter != null && (stopRequested
                    || config.checkpointEvery() > 0 && (step % config.checkpointEvery() == 0 || last));
            if (device != null && (evalDue || checkpointDue)) {
                device.copyToHost();
            }
            if (evalDue) {
                TrainingListener.EvalStats ev = new TrainingListener.EvalStats(step, lastTrainLoss,
                        evaluate(validation, config.evalBatches()));
                for (TrainingListener l : listeners) {
                    l.onEval(ev);
                }
            }
            boolean due = config.checkpointEvery() > 0 && (step % config.checkpointEvery() == 0 || last);
            if (checkpointWriter != null && (due || stopRequested)) {
                checkpointWriter.write(this);
            }
            if (stopRequested && !last) {
                stoppedEarly = true;
                break;
            }
        }
        if (device != null) {
            device.copyToHost();
        }
        for (TrainingListener l : listeners) {
            l.onEnd(step);
        }
    }

    /**
     * Asks {@link #run()}, from any thread (e.g. a Ctrl-C shutdown hook), to stop after the step in progress: that
     * step completes, a checkpoint is written (when a checkpoint writer is set), and run returns.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** True when the last {@link #run()} returned before the final step because of {@link #requestStop()}. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    private void trainOneStep() {
        long t0 = System.nanoTime();
        double scale = schedule.scale(step);
        optimizer.setLrScale(scale);
        if (device != null) {
            trainOneStepOnDevice(t0, scale);
            return;
        }
        boolean fusedUpdate = optimizer instanceof FusedUpdateOptimizer<?> f && f.isAttached();
        double lossSum = 0;
        for (int micro = 0; micro < config.accumulation(); micro++) {
            Batch b = trainBatches.batchAt(step * config.accumulation() + micro);
            Variable loss = model.loss(b.inputs(), b.targets());
            double value = loss.value().item();
            if (!Double.isFinite(value)) {
                // checked before backward, so nothing has been updated by this step, not even by fused optimizers
                skipOrStop("the training loss", value, micro);
                return;
            }
            lossSum += value;
            Variable scaled = config.accumulation() == 1 ? loss : ElementwiseFns.mul(loss, 1.0 / config.accumulation());
            if (fusedUpdate) {
                ((FusedUpdateOptimizer<?>) optimizer).backward(scaled); // LOMO/AdaLomo: update pass and step itself
            } else {
                scaled.backward();  // fused MoFaSGD hooks, if attached, accumulate their products here
            }
        }
        peakGradientBytes = Math.max(peakGradientBytes, heldGradientBytes());
        double gradNorm = Double.NaN; // reported as "not measured" when neither clipping nor skipping needs it
        boolean measured = false;
        if (config.clipNorm() > 0) {
            gradNorm = GradClipping.clipGlobalNorm(optimizer.parameters(), config.clipNorm());
            measured = true;
        } else if (nonFinitePolicy == NonFinitePolicy.SKIP && !consumesGradients(optimizer)) {
            gradNorm = GradClipping.globalNorm(optimizer.parameters()); // one pass, finite iff every element is
            measured = true;
        }
        if (measured && !Double.isFinite(gradNorm)) {
            skipOrStop("the gradient norm", gradNorm, -1);
            return;
        }
        for (TrainingListener l : listeners) {
            l.beforeOptimizerStep(step + 1);
        }
        if (!fusedUpdate) {
            try {
                optimizer.step();
            } catch (ArithmeticException e) { // the optimizer found a NaN/Inf gradient and updated nothing
                optimizer.zeroGrad();
                throw new NonFiniteLossException(step, e.getMessage(), e);
            }
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

    /** One step on the device trainer: only the batch goes over, the loss and the gradient norm come back. */
    private void trainOneStepOnDevice(long t0, double scale) {
        Batch b = trainBatches.batchAt(step);
        DeviceTrainer.StepResult r = device.step(b, scale, config.clipNorm());
        if (!Double.isFinite(r.loss())) {
            skipOrStop("the training loss", r.loss(), 0);
            return;
        }
        if (!r.applied() || !Double.isFinite(r.gradNorm())) {
            skipOrStop("the gradient norm", r.gradNorm(), -1);
            return;
        }
        for (TrainingListener l : listeners) {
            l.beforeOptimizerStep(step + 1);
        }
        lastTrainLoss = r.loss();
        double ms = (System.nanoTime() - t0) / 1e6;
        TrainingListener.StepStats stats = new TrainingListener.StepStats(step + 1, config.steps(), lastTrainLoss,
                baseLrForLogs * scale, r.gradNorm(), config.tokensPerStep() / (ms / 1000), ms);
        for (TrainingListener l : listeners) {
            l.onStep(stats);
        }
    }

    /**
     * A NaN/Inf loss or gradient norm at this step: throws {@link NonFiniteLossException} (policy STOP), or drops
     * the step's gradients, leaves weights and optimizer state as they are, counts the skip and tells the
     * listeners (policy SKIP). {@code micro} is the micro-batch of a bad loss, −1 for a bad gradient norm.
     */
    private void skipOrStop(String what, double value, int micro) {
        optimizer.zeroGrad();
        if (nonFinitePolicy == NonFinitePolicy.STOP) {
            throw new NonFiniteLossException(step, what + (micro > 0 ? " (micro-batch " + micro + ")" : ""), value);
        }
        skippedSteps++;
        String reason = what + " is " + value + (micro > 0 ? " (micro-batch " + micro + ")" : "");
        for (TrainingListener l : listeners) {
            l.onSkippedStep(step + 1, reason);
        }
    }

    /**
     * The most gradient memory held when backward had finished, over the steps run so far: Σ bytes of the
     * optimizer's parameters' {@code .grad} tensors. Optimizers working inside backward (LOMO, AdaLomo, fused
     * MoFaSGD) consume each gradient as it is produced and leave few or none (fused MoFaSGD's first step, which
     * initialises its factors from the full gradient, and its AdamW fallback's parameters keep theirs).
     */
    public long peakGradientBytes() {
        return peakGradientBytes;
    }

    /** Starts a new window for {@link #peakGradientBytes()} (e.g. after warm-up steps). */
    public void resetPeakGradientBytes() {
        peakGradientBytes = 0;
    }

    private long heldGradientBytes() {
        long bytes = 0;
        for (Variable p : optimizer.parameters()) {
            if (p.grad() != null) {
                bytes += (long) p.grad().numel() * p.grad().dtype().bytes();
            }
        }
        return bytes;
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

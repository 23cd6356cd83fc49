package org.mofa4j.nn.train;

/** Receives training progress: progress bars, metric logs, plots, checkpoint writers. All methods optional. */
public interface TrainingListener {
    /** What happened in one optimizer step. */
    record StepStats(long step, long totalSteps, double loss, double lr, double gradNorm, double tokensPerSecond,
            double millis) {}

    /** A validation result after {@code step} completed steps. */
    record EvalStats(long step, double trainLoss, double validationLoss) {}

    default void onStart(long firstStep, long totalSteps) {}

    default void onStep(StepStats stats) {}

    /**
     * Called once per step after the last micro-batch's backward (and clipping), right before the optimizer step:
     * the moment gradients, optimizer state and whatever backward left alive coexist (memory probes use it).
     * Fused LOMO and AdaLomo have already stepped inside backward by then.
     *
     * @param step the 1-based step being completed
     */
    default void beforeOptimizerStep(long step) {}

    default void onEval(EvalStats stats) {}

    /** Step {@code step} (1-based, like {@link StepStats#step()}) was skipped: {@code reason} says what was non-finite. */
    default void onSkippedStep(long step, String reason) {}

    default void onEnd(long completedSteps) {}
}

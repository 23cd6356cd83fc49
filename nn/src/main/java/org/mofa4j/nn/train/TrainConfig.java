package org.mofa4j.nn.train;

/**
 * How to train: steps, batch shape, accumulation, schedule, clipping, evaluation and checkpoint cadence.
 *
 * @param steps          optimizer steps, ≥ 1
 * @param batchSize      sequences per micro-batch B, ≥ 1
 * @param context        tokens per sequence T, ≥ 1 (≤ the model's context)
 * @param accumulation   micro-batches per step, ≥ 1 (gradients summed, loss averaged)
 * @param warmupSteps    linear warm-up steps, in [0, steps]
 * @param finalLrFraction cosine decays to this fraction of the base learning rate
 * @param clipNorm       global-norm clipping threshold; 0 disables clipping
 * @param evalEvery      evaluate on validation every this many steps (and at the end); 0 disables
 * @param evalBatches    validation batches per evaluation, ≥ 1
 * @param checkpointEvery write a checkpoint every this many steps (and at the end); 0 disables
 * @param seed           seeds batch sampling
 */
public record TrainConfig(int steps, int batchSize, int context, int accumulation, int warmupSteps,
        double finalLrFraction, double clipNorm, int evalEvery, int evalBatches, int checkpointEvery, long seed) {
    public TrainConfig {
        require(steps >= 1, "steps must be ≥ 1, got " + steps);
        require(batchSize >= 1, "batch size must be ≥ 1, got " + batchSize);
        require(context >= 1, "context must be ≥ 1, got " + context);
        require(accumulation >= 1, "accumulation must be ≥ 1, got " + accumulation);
        require(warmupSteps >= 0 && warmupSteps <= steps, "warm-up steps must be in [0, steps], got " + warmupSteps);
        require(finalLrFraction >= 0 && finalLrFraction <= 1, "final lr fraction must be in [0, 1], got "
                + finalLrFraction);
        require(clipNorm >= 0 && Double.isFinite(clipNorm), "clip norm must be finite and ≥ 0, got " + clipNorm);
        require(evalEvery >= 0, "eval interval must be ≥ 0, got " + evalEvery);
        require(evalBatches >= 1, "eval batches must be ≥ 1, got " + evalBatches);
        require(checkpointEvery >= 0, "checkpoint interval must be ≥ 0, got " + checkpointEvery);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("TrainConfig: " + message);
        }
    }

    /** Tokens consumed per optimizer step. */
    public long tokensPerStep() {
        return (long) batchSize * context * accumulation;
    }
}

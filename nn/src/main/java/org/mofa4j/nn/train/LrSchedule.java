package org.mofa4j.nn.train;

/**
 * Linear warm-up then cosine decay, as a multiplier of the base learning rate:
 * <pre>
 *   s(t) = (t+1)/W                                        for t &lt; W
 *   s(t) = f + (1−f)·½(1 + cos(π·(t−W)/(N−W)))            for W ≤ t &lt; N
 * </pre>
 * where t is the 0-based step, W the warm-up steps, N the total steps and f the final fraction.
 */
public record LrSchedule(long warmupSteps, long totalSteps, double finalFraction) {
    public LrSchedule {
        if (warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("LrSchedule: need 0 ≤ warmup (" + warmupSteps + ") ≤ total steps ("
                    + totalSteps + ") and total ≥ 1");
        }
        if (!(finalFraction >= 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("LrSchedule: final fraction must be in [0, 1], got " + finalFraction);
        }
    }

    /** The multiplier for 0-based step t. */
    public double scale(long t) {
        if (t < warmupSteps) {
            return (t + 1) / (double) warmupSteps;
        }
        if (totalSteps == warmupSteps) {
            return 1.0;
        }
        double progress = Math.min(1.0, (t - warmupSteps) / (double) (totalSteps - warmupSteps));
        return finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}

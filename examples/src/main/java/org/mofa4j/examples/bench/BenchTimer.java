package org.mofa4j.examples.bench;

import java.util.Arrays;

/**
 * Time-bounded repetition of an operation: warm up, then repeat until a time budget is spent and a minimum
 * number of repetitions is reached. Reports the sorted per-repetition times.
 *
 * <p>On a shared machine the minimum is the capability number and the median shows the noise; report both.
 */
public final class BenchTimer {

    /** Warm-up and measurement budgets, in seconds, and repetition bounds. */
    public record Budget(double warmupSeconds, double measureSeconds, int minReps, int maxReps) {
        public Budget {
            if (warmupSeconds < 0 || measureSeconds < 0 || minReps < 1 || maxReps < minReps) {
                throw new IllegalArgumentException("BenchTimer.Budget: need budgets >= 0 and 1 <= minReps <= maxReps,"
                        + " got " + warmupSeconds + ", " + measureSeconds + ", " + minReps + ", " + maxReps);
            }
        }
    }

    private BenchTimer() {
    }

    /**
     * Runs {@code op} at least once as warm-up (more while the warm-up budget lasts), then measures.
     *
     * @return per-repetition wall times in seconds, sorted ascending (index 0 is the minimum)
     */
    public static double[] measure(Runnable op, Budget budget) {
        long warmEnd = System.nanoTime() + (long) (budget.warmupSeconds() * 1e9);
        do {
            op.run();
        } while (System.nanoTime() < warmEnd);
        double[] times = new double[budget.maxReps()];
        int reps = 0;
        long end = System.nanoTime() + (long) (budget.measureSeconds() * 1e9);
        while (reps < budget.maxReps() && (reps < budget.minReps() || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            op.run();
            times[reps++] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = Arrays.copyOf(times, reps);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The median of sorted times (the upper middle for an even count). */
    public static double median(double[] sorted) {
        return sorted[sorted.length / 2];
    }
}

package org.mofa4j.optim;

/** Hyperparameter validation with messages that name the optimizer, the field and the value. */
public final class Hyper {
    private Hyper() {}

    /** Requires a finite value ≥ 0. */
    public static void nonNegative(String optimizer, String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(optimizer + ": " + field + " must be finite and ≥ 0, got " + value);
        }
    }

    /** Requires a finite value &gt; 0. */
    public static void positive(String optimizer, String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(optimizer + ": " + field + " must be finite and > 0, got " + value);
        }
    }

    /** Requires lo ≤ value &lt; hi. */
    public static void inRange(String optimizer, String field, double value, double lo, double hi) {
        if (!(value >= lo && value < hi)) {
            throw new IllegalArgumentException(optimizer + ": " + field + " must be in [" + lo + ", " + hi + "), got "
                    + value);
        }
    }

    /** Requires an int ≥ min. */
    public static void atLeast(String optimizer, String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(optimizer + ": " + field + " must be ≥ " + min + ", got " + value);
        }
    }
}

package org.mofa4j.tensor;

/** Elementwise unary operations. {@link #apply} is the scalar definition every kernel must match. */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, TANH, ABS, SQUARE, RECIPROCAL, SIGN, SIGMOID, ERF;

    /** The reference definition in double precision. */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1.0 / x;
            case SIGN -> Double.isNaN(x) ? x : Math.signum(x);
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case ERF -> Erf.erf(x);
        };
    }

    /** Lower-case name used in error messages. */
    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package org.mofa4j.autograd;

import java.util.Arrays;
import java.util.function.Function;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 gradient check by central differences.
 *
 * <p>For f: inputs → output, a fixed random tensor R of the output's shape turns f into the scalar
 * L = Σ f(x)⊙R. The analytic gradient comes from {@code backward(R)}; the numeric one is
 * (L(x + h·eⱼ) − L(x − h·eⱼ)) / 2h for every element j of every input. An element passes when
 * |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|); the report names the worst element.
 * With h = 1e-6 in float64 the truncation and rounding errors are near 1e-9, so the default tolerances
 * (rtol 1e-5, atol 1e-7 times the largest numeric gradient) catch a wrong sign, a factor of 2 or a
 * missing term by many orders of magnitude.
 */
public final class GradCheck {
    private final double step;
    private final double rtol;
    private final double atolScale;
    private final long seed;

    private GradCheck(double step, double rtol, double atolScale, long seed) {
        this.step = step;
        this.rtol = rtol;
        this.atolScale = atolScale;
        this.seed = seed;
    }

    /** The default check: h = 1e-6, rtol = 1e-5, atol = 1e-7·max|numeric|. */
    public static GradCheck standard() {
        return new GradCheck(1e-6, 1e-5, 1e-7, 1234);
    }

    /** A check with other tolerances (for ops with kinks or large curvature). */
    public GradCheck withTolerance(double relTol, double absTolScale) {
        return new GradCheck(step, relTol, absTolScale, seed);
    }

    public GradCheck withStep(double h) {
        return new GradCheck(h, rtol, atolScale, seed);
    }

    /** The worst element found. */
    public record Result(String what, boolean passed, int input, int[] index, double analytic, double numeric,
            double error, double allowed) {
        @Override
        public String toString() {
            return (passed ? "gradcheck passed: " : "gradcheck FAILED: ") + what + ": worst at input " + input
                    + " index " + Arrays.toString(index) + ": analytic " + analytic + ", numeric " + numeric
                    + ", |diff| " + error + " (allowed " + allowed + ")";
        }
    }

    /**
     * Checks {@code fn} at {@code inputs} (float64, no stride-0 axes; they are perturbed in place and
     * restored). Every input is differentiated; data that should not be goes into the closure.
     */
    public Result check(String what, Function<Variable[], Variable> fn, Tensor... inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t.dtype() != DType.F64) {
                throw new IllegalArgumentException("gradcheck " + what + ": input " + i + " is " + t.dtype()
                        + "; inputs must be F64 (gradient checks run in float64)");
            }
            for (int a = 0; a < t.rank(); a++) {
                if (t.strides()[a] == 0 && t.dim(a) > 1) {
                    throw new IllegalArgumentException("gradcheck " + what + ": input " + i + " of shape "
                            + Shapes.str(t.shape()) + " has a broadcast (stride-0) axis " + a
                            + "; pass the un-expanded tensor and broadcast inside fn");
                }
            }
        }
        Variable[] vars = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vars[i] = Variable.parameter(inputs[i], "input" + i);
        }
        Variable out = fn.apply(vars);
        Tensor weights = new org.mofa4j.tensor.Rng(seed).uniform(DType.F64, -1, 1, out.value().shape());
        if (out.requiresGrad()) {
            out.backward(weights, false);
        }

        Result worst = null;
        double worstRatio = -1;
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            Tensor analyticGrad = vars[i].grad() == null ? Tensor.zerosLike(x) : vars[i].grad();
            int n = x.numel();
            double[] numeric = new double[n];
            double maxNumeric = 0;
            for (int j = 0; j < n; j++) {
                double orig = x.getFlat(j);
                x.setFlat(j, orig + step);
                double plus = weighted(fn, inputs, weights);
                x.setFlat(j, orig - step);
                double minus = weighted(fn, inputs, weights);
                x.setFlat(j, orig);
                numeric[j] = (plus - minus) / (2 * step);
                maxNumeric = Math.max(maxNumeric, Math.abs(numeric[j]));
            }
            double atol = atolScale * Math.max(1.0, maxNumeric);
            for (int j = 0; j < n; j++) {
                double a = analyticGrad.getFlat(j);
                double err = Math.abs(a - numeric[j]);
                double allowed = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric[j]));
                double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / allowed;
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worst = new Result(what, ratio <= 1, i, unflatten(j, x.shape()), a, numeric[j], err, allowed);
                }
            }
        }
        return worst == null ? new Result(what, true, -1, new int[0], 0, 0, 0, 0) : worst;
    }

    private static double weighted(Function<Variable[], Variable> fn, Tensor[] inputs, Tensor weights) {
        try (GradMode.Scope ignored = GradMode.disabled()) {
            Variable[] consts = new Variable[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                consts[i] = Variable.constant(inputs[i]);
            }
            Tensor y = fn.apply(consts).value();
            double s = 0;
            for (int j = 0, n = y.numel(); j < n; j++) {
                s += y.getFlat(j) * weights.getFlat(j);
            }
            return s;
        }
    }

    private static int[] unflatten(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int a = shape.length - 1; a >= 0; a--) {
            idx[a] = shape[a] == 0 ? 0 : flat % shape[a];
            flat = shape[a] == 0 ? 0 : flat / shape[a];
        }
        return idx;
    }
}

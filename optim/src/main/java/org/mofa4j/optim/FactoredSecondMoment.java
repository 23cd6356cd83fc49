package org.mofa4j.optim;

import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * The per-parameter core shared by {@link Adafactor} and {@link AdaLomo} (Shazeer &amp; Stern 2018, "Adafactor:
 * Adaptive Learning Rates with Sublinear Memory Cost"; Lv et al. 2023, "AdaLomo"): the second-moment estimate,
 * the normalised update and its application. AdaLomo's math is Adafactor's with β₁ off, parameter scaling on and
 * an external learning rate, so both call {@link #update} and differ only in how they choose β₂ and α.
 *
 * <p>For a gradient G seen as an m×n matrix (shape[0] rows; every other axis flattened into the columns) and
 * Q = G² + ε₁ element-wise:
 * <pre>
 *   R ← β₂·R + (1−β₂)·rowmean(Q)          R ∈ ℝᵐ  (state "row")
 *   C ← β₂·C + (1−β₂)·colmean(Q)          C ∈ ℝⁿ  (state "col")
 *   V̂_ij = (R_i / mean(R)) · C_j           (equals the paper's sum form R̃·C̃ᵀ / 1ᵀR̃)
 * </pre>
 * A tensor of rank &lt; 2 keeps the full estimate instead: v ← β₂·v + (1−β₂)·Q (state "v"), V̂ = v. Then
 * <pre>
 *   U = G / √V̂,   Û = U / max(1, RMS(U)/d)
 *   θ ← θ·(1 − α·λ) − α·Û                           without first moment
 *   M ← β₁·M + (1−β₁)·α·Û,  θ ← θ·(1 − α·λ) − M      with first moment (state "m", HF Adafactor's order)
 * </pre>
 *
 * <p>Arithmetic is in double whatever the dtype; state tensors have the parameter's dtype and are rounded to it
 * when stored. No parameter-sized temporary is allocated, only m + n doubles of scratch: U is computed twice (once
 * for its RMS, once to apply it), so a fused-in-backward caller holds nothing larger than the gradient it was
 * handed. Tensors of rank ≥ 3 are factored as [shape[0], rest] (the AdaLomo reference sizes its row buffer
 * shape[0] too); HF Adafactor instead factors the last two axes per leading index.
 */
final class FactoredSecondMoment {
    static final String ROW = "row";
    static final String COL = "col";
    static final String FULL = "v";
    static final String MOMENTUM = "m";

    private FactoredSecondMoment() {}

    /**
     * The scalars of one update.
     *
     * @param beta2         this step's second-moment decay β₂ ∈ [0, 1)
     * @param eps1          ε₁ added to G² (keeps V̂ &gt; 0 for zero gradients)
     * @param clipThreshold d in Û = U / max(1, RMS(U)/d)
     * @param alpha         the step size α (already scaled by RMS(θ) and the schedule where applicable)
     * @param weightDecay   λ; the decay factor is 1 − α·λ
     * @param beta1         first-moment decay; 0 means no first moment (no state "m")
     */
    record StepScalars(double beta2, double eps1, double clipThreshold, double alpha, double weightDecay,
            double beta1) {}

    /**
     * A read-only gradient with the optional element clamp and multiplier applied on the fly, in this order
     * (as LOMO and AdaLomo do): g ← clamp(g, −maxValue, maxValue) when maxValue &gt; 0, then g ← g·scale.
     */
    record Grad(Tensor tensor, double maxValue, double scale) {
        Grad {
            if (!tensor.isContiguous()) {
                throw new IllegalArgumentException("FactoredSecondMoment: gradient must be contiguous");
            }
        }

        static Grad plain(Tensor t) {
            return new Grad(t, 0, 1);
        }
    }

    /** Rows and columns a tensor of this shape is factored into, or null when it keeps the full estimate. */
    static int[] factoredShape(int[] shape) {
        if (shape.length < 2) {
            return null;
        }
        int rows = shape[0];
        int numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        return new int[] {rows, rows == 0 ? 0 : numel / rows};
    }

    /** RMS(x) = ‖x‖₂ / √numel, summed in double in index order; 0 for an empty tensor. */
    static double rms(Tensor x) {
        Flat f = new Flat(x.contiguous());
        int n = x.numel();
        if (n == 0) {
            return 0;
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = f.get(i);
            s += v * v;
        }
        return Math.sqrt(s / n);
    }

    /** Σ g² of a gradient (no clamp, no scale), summed in double. */
    static double sumOfSquares(Tensor g) {
        Flat f = new Flat(g.contiguous());
        double s = 0;
        for (int i = 0, n = g.numel(); i < n; i++) {
            double v = f.get(i);
            s += v * v;
        }
        return s;
    }

    /**
     * Updates the second-moment state in {@code state} from {@code grad}, then applies Û to {@code param}.
     * Modifies: param (in place; the caller marks it modified) and the state tensors. Not modified: grad.
     *
     * @return RMS(U), the raw update's RMS before grouped normalisation (0 for an empty tensor); RMS(Û) is
     *     RMS(U) / max(1, RMS(U)/d)
     */
    static double update(Tensor param, Grad grad, ParamState state, StepScalars h) {
        int numel = param.numel();
        if (numel == 0) {
            return 0;
        }
        Flat w = new Flat(param);
        GradFlat g = new GradFlat(grad);
        DType dt = param.dtype();
        int[] mn = factoredShape(param.shape());
        // state order in the state dict: the second moment, then the first
        Flat row = mn == null ? null : new Flat(state.getOrZeros(ROW, dt, mn[0]));
        Flat col = mn == null ? null : new Flat(state.getOrZeros(COL, dt, mn[1]));
        Flat v = mn != null ? null : new Flat(state.getOrZeros(FULL, dt, param.shape()));
        Flat mom = h.beta1() > 0 ? new Flat(state.getOrZeros(MOMENTUM, dt, param.shape())) : null;
        double denom;
        double rmsRaw;
        if (mn != null) {
            int m = mn[0];
            int n = mn[1];
            double[] rowFactor = new double[m];   // 1/√(R_i / mean R)
            double[] colFactor = new double[n];   // 1/√C_j
            updateFactored(g, row, col, m, n, h, rowFactor, colFactor);
            double sumU2 = 0;
            for (int i = 0; i < m; i++) {
                double ri = rowFactor[i];
                for (int j = 0, k = i * n; j < n; j++, k++) {
                    double u = g.get(k) * ri * colFactor[j];
                    sumU2 += u * u;
                }
            }
            rmsRaw = Math.sqrt(sumU2 / numel);
            denom = Math.max(1, rmsRaw / h.clipThreshold());
            for (int i = 0; i < m; i++) {
                double ri = rowFactor[i];
                for (int j = 0, k = i * n; j < n; j++, k++) {
                    apply(w, mom, k, g.get(k) * ri * colFactor[j] / denom, h);
                }
            }
        } else {
            double sumU2 = 0;
            for (int k = 0; k < numel; k++) {
                double gk = g.get(k);
                v.set(k, h.beta2() * v.get(k) + (1 - h.beta2()) * (gk * gk + h.eps1()));
                double u = gk / Math.sqrt(v.get(k));
                sumU2 += u * u;
            }
            rmsRaw = Math.sqrt(sumU2 / numel);
            denom = Math.max(1, rmsRaw / h.clipThreshold());
            for (int k = 0; k < numel; k++) {
                apply(w, mom, k, g.get(k) / Math.sqrt(v.get(k)) / denom, h);
            }
        }
        return rmsRaw;
    }

    /** Row and column EMAs of Q = G² + ε₁, then the row and column factors of 1/√V̂. */
    private static void updateFactored(GradFlat g, Flat row, Flat col, int m, int n, StepScalars h,
            double[] rowFactor, double[] colFactor) {
        double[] colSum = new double[n];
        for (int i = 0; i < m; i++) {
            double rowSum = 0;
            for (int j = 0, k = i * n; j < n; j++, k++) {
                double gk = g.get(k);
                double q = gk * gk + h.eps1();
                rowSum += q;
                colSum[j] += q;
            }
            row.set(i, h.beta2() * row.get(i) + (1 - h.beta2()) * (rowSum / n));
        }
        for (int j = 0; j < n; j++) {
            col.set(j, h.beta2() * col.get(j) + (1 - h.beta2()) * (colSum[j] / m));
        }
        double rowMean = 0;
        for (int i = 0; i < m; i++) {
            rowMean += row.get(i);   // the stored (possibly rounded) values, as the next step will see them
        }
        rowMean /= m;
        for (int i = 0; i < m; i++) {
            rowFactor[i] = 1 / Math.sqrt(row.get(i) / rowMean);
        }
        for (int j = 0; j < n; j++) {
            colFactor[j] = 1 / Math.sqrt(col.get(j));
        }
    }

    /** θ_k ← θ_k·(1 − α·λ) − α·û_k, or through the first moment. */
    private static void apply(Flat w, Flat mom, int k, double uHat, StepScalars h) {
        double decayed = w.get(k) * (1 - h.alpha() * h.weightDecay());
        if (mom == null) {
            w.set(k, decayed - h.alpha() * uHat);
        } else {
            mom.set(k, h.beta1() * mom.get(k) + (1 - h.beta1()) * h.alpha() * uHat);
            w.set(k, decayed - mom.get(k));
        }
    }

    /** Element access to a contiguous tensor of either dtype, widened to double; set() rounds to the dtype. */
    static final class Flat {
        private final float[] f;
        private final double[] d;
        private final int off;

        Flat(Tensor t) {
            if (!t.isContiguous()) {
                throw new IllegalArgumentException("FactoredSecondMoment: tensor of shape "
                        + java.util.Arrays.toString(t.shape()) + " is not contiguous");
            }
            this.f = t.dtype() == DType.F32 ? t.data() : null;
            this.d = t.dtype() == DType.F64 ? t.dataF64() : null;
            this.off = t.offset();
        }

        double get(int i) {
            return f != null ? f[off + i] : d[off + i];
        }

        void set(int i, double v) {
            if (f != null) {
                f[off + i] = (float) v;
            } else {
                d[off + i] = v;
            }
        }
    }

    /** A {@link Grad}'s elements with its clamp and multiplier applied. */
    static final class GradFlat {
        private final Flat raw;
        private final double maxValue;
        private final double scale;

        GradFlat(Grad g) {
            this.raw = new Flat(g.tensor());
            this.maxValue = g.maxValue();
            this.scale = g.scale();
        }

        double get(int i) {
            double x = raw.get(i);
            if (maxValue > 0) {
                x = Math.max(-maxValue, Math.min(maxValue, x));
            }
            return x * scale;
        }
    }
}

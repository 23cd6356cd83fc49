package org.mofa4j.optim;

import static org.mofa4j.optim.MoFaSgdWorkedExample.mat;
import static org.mofa4j.optim.MoFaSgdWorkedExample.step;
import static org.mofa4j.optim.WorkedExampleText.maxAbsDiff;

import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * The second AdaLomo step (t = 2) on a 6×4 matrix, worked by hand in float64 and checked against the real
 * {@link AdaLomo} (reference defaults): the factored second moment, the grouped update normalisation and the
 * relative step size. For {@code mofa4j explain adalomo}.
 */
public final class AdaLomoWorkedExample {
    static final int M = 6;
    static final int N = 4;

    /** The intermediates of step t = 2. */
    public record Result(DMatrixRMaj w, DMatrixRMaj g, double[] rowBefore, double[] colBefore, double beta2,
            double[] row, double[] col, DMatrixRMaj vHat, DMatrixRMaj u, double rmsU, DMatrixRMaj uHat, double alpha,
            DMatrixRMaj weightStep, DMatrixRMaj optimizerWeightStep, String text) {}

    private AdaLomoWorkedExample() {}

    public static Result run() {
        Rng rng = new Rng(2027);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 0.5, M, N), "W");
        Tensor g1 = rng.normal(DType.F64, 0, 1, M, N);
        // rows of different scale: the factored estimate then has something to factor
        Tensor scales = Tensor.of(new double[] {0.2, 0.5, 1, 1, 2, 5}, M, 1);
        Tensor g2 = rng.normal(DType.F64, 0, 1, M, N).mul(scales);
        AdaLomo.Config c = AdaLomo.Config.defaults(0.05);
        AdaLomo opt = new AdaLomo(List.of(w), c);
        step(opt, w, g1.mul(scales));
        Map<String, Tensor> state = opt.stateDict();
        double[] rowBefore = state.get("W.row").toDoubleArray();
        double[] colBefore = state.get("W.col").toDoubleArray();
        DMatrixRMaj w0 = mat(w.value());
        DMatrixRMaj g = mat(g2);

        long t = 2;
        double beta2 = c.beta2At(t);
        double[] row = new double[M];
        double[] col = new double[N];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double q = g.get(i, j) * g.get(i, j) + c.eps1();
                row[i] += q / N;
                col[j] += q / M;
            }
        }
        for (int i = 0; i < M; i++) {
            row[i] = beta2 * rowBefore[i] + (1 - beta2) * row[i];
        }
        for (int j = 0; j < N; j++) {
            col[j] = beta2 * colBefore[j] + (1 - beta2) * col[j];
        }
        double meanRow = java.util.Arrays.stream(row).average().orElseThrow();
        DMatrixRMaj vHat = new DMatrixRMaj(M, N);
        DMatrixRMaj u = new DMatrixRMaj(M, N);
        double sumU2 = 0;
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                vHat.set(i, j, row[i] / meanRow * col[j]);
                u.set(i, j, g.get(i, j) / Math.sqrt(vHat.get(i, j)));
                sumU2 += u.get(i, j) * u.get(i, j);
            }
        }
        double rmsU = Math.sqrt(sumU2 / (M * N));
        double divisor = Math.max(1, rmsU / c.clipThreshold());
        DMatrixRMaj uHat = u.copy();
        CommonOps_DDRM.divide(uHat, divisor);
        double rmsW = org.ejml.dense.row.NormOps_DDRM.normF(w0) / Math.sqrt(M * N);
        double alpha = c.lr() * Math.max(c.eps2(), rmsW);
        DMatrixRMaj weightStep = uHat.copy();
        CommonOps_DDRM.scale(-alpha, weightStep);

        step(opt, w, g2);
        DMatrixRMaj optimizerStep = new DMatrixRMaj(M, N);
        CommonOps_DDRM.subtract(mat(w.value()), w0, optimizerStep);
        double[] rowAfter = opt.stateDict().get("W.row").toDoubleArray();
        double[] colAfter = opt.stateDict().get("W.col").toDoubleArray();

        WorkedExampleText x = new WorkedExampleText().title("One AdaLomo step, worked by hand (6×4 matrix, step t = 2)");
        x.para("AdaLomo is LOMO (update each weight inside backward, then drop its gradient) with Adafactor's "
                + "adaptive step: instead of Adam's 6×4 second moment it keeps one number per row and one per column, "
                + "6 + 4 numbers, and rescales each update to a fixed RMS. There is no first moment. Hyperparameters: "
                + "lr = " + c.lr() + ", ε₁ = " + c.eps1() + ", ε₂ = " + c.eps2() + ", d = " + c.clipThreshold()
                + ", β₂,t = 1 − t^" + c.decayRate() + ".");
        x.step("The state after step 1, and the new gradient");
        x.para("Step 1 had β₂,1 = 0, so R and C are simply the row and column means of G₁² + ε₁.");
        x.vector("R (row means, after step 1)", rowBefore).vector("C (column means, after step 1)", colBefore);
        x.matrix("W", w0).matrix("G  (rows scaled by 0.2, 0.5, 1, 1, 2, 5)", g);
        x.step("Update the row and column statistics");
        x.para("β₂,2 = 1 − 2^−0.8. R ← β₂·R + (1−β₂)·rowmean(G² + ε₁), C ← β₂·C + (1−β₂)·colmean(G² + ε₁).");
        x.value("β₂,2", beta2);
        x.blank().vector("R", row).vector("C", col);
        x.check("R, C  =  the optimizer's state after step 2", Math.max(maxAbsDiff(row, rowAfter),
                maxAbsDiff(col, colAfter)), 1e-12).blank();
        x.step("The rank-1 second-moment estimate");
        x.para("V̂_ij = (R_i / mean(R))·C_j. It is the rank-1 matrix with the same row and column sums as the "
                + "averaged G² (the best such fit in I-divergence), stored as 10 numbers.");
        x.matrix("V̂", vHat);
        x.step("The raw update and its grouped normalisation");
        x.para("u = G / √V̂ element-wise. Then the whole matrix is scaled so that its RMS is at most d: "
                + "û = u / max(1, RMS(u)/d). This replaces gradient clipping (which would need a second backward "
                + "pass in LOMO).");
        x.matrix("u = G / √V̂", u).value("RMS(u)", rmsU).value("max(1, RMS(u)/d)", divisor).blank();
        x.matrix("û", uHat);
        x.step("Relative step size and the update");
        x.para("α = lr·max(ε₂, RMS(W)): the step is relative to the weights' own scale. W ← W − α·û (no weight "
                + "decay here).");
        x.value("RMS(W)", rmsW).value("α", alpha).blank();
        x.matrix("ΔW = −α·û", weightStep);
        x.check("ΔW  =  the change of W made by AdaLomo", maxAbsDiff(weightStep, optimizerStep), 1e-12);
        return new Result(w0, g, rowBefore, colBefore, beta2, row, col, vHat, u, rmsU, uHat, alpha, weightStep,
                optimizerStep, x.toString());
    }
}

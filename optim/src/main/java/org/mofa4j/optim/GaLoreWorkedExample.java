package org.mofa4j.optim;

import static org.mofa4j.optim.MoFaSgdWorkedExample.mat;
import static org.mofa4j.optim.MoFaSgdWorkedExample.mul;
import static org.mofa4j.optim.MoFaSgdWorkedExample.mulT;
import static org.mofa4j.optim.MoFaSgdWorkedExample.sq;
import static org.mofa4j.optim.MoFaSgdWorkedExample.step;
import static org.mofa4j.optim.MoFaSgdWorkedExample.svd;
import static org.mofa4j.optim.WorkedExampleText.maxAbsDiff;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * The first GaLore step on a 6×4 matrix with r = 2, worked by hand in float64 and checked against the real
 * {@link GaLore} (reference code's ε placement, α = 0.25): projector from the gradient's SVD, projection, Adam in
 * the 6×2 subspace, projection back. For {@code mofa4j explain galore}.
 */
public final class GaLoreWorkedExample {
    static final int M = 6;
    static final int N = 4;
    static final int R = 2;

    /** The intermediates; matrices float64. */
    public record Result(DMatrixRMaj g, double[] sigma, DMatrixRMaj vr, DMatrixRMaj projected, DMatrixRMaj m1,
            DMatrixRMaj v1, DMatrixRMaj normalised, double stepSize, DMatrixRMaj weightStep,
            DMatrixRMaj optimizerWeightStep, double capturedFraction, String text) {}

    private GaLoreWorkedExample() {}

    public static Result run() {
        Rng rng = new Rng(2026);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "W");
        Tensor gt = rng.normal(DType.F64, 0, 1, M, N);
        GaLore.Config c = GaLore.Config.defaults(0.01, R);
        DMatrixRMaj g = mat(gt);

        DMatrixRMaj[] vec = new DMatrixRMaj[2];
        double[] sigma = svd(g, vec);
        DMatrixRMaj vr = CommonOps_DDRM.extract(vec[1], 0, N, 0, R);     // V_r [4, 2]
        DMatrixRMaj proj = mul(g, vr);                                     // R = G·V_r [6, 2]
        DMatrixRMaj m1 = proj.copy();
        CommonOps_DDRM.scale(1 - c.beta1(), m1);                           // M₁ = (1−β₁)·R
        DMatrixRMaj v1 = proj.copy();
        CommonOps_DDRM.elementMult(v1, proj);
        CommonOps_DDRM.scale(1 - c.beta2(), v1);                           // V₁ = (1−β₂)·R²
        DMatrixRMaj nrm = new DMatrixRMaj(M, R);
        for (int i = 0; i < nrm.getNumElements(); i++) {
            nrm.data[i] = m1.data[i] / (Math.sqrt(v1.data[i]) + c.eps());  // N = M / (√V + ε)
        }
        double stepSize = c.lr() * Math.sqrt(1 - c.beta2()) / (1 - c.beta1());
        DMatrixRMaj weightStep = mulT(nrm, vr);                            // N·V_rᵀ [6, 4]
        CommonOps_DDRM.scale(-stepSize * c.scale(), weightStep);

        GaLore opt = new GaLore(List.of(w), c);
        DMatrixRMaj before = mat(w.value());
        step(opt, w, gt);
        DMatrixRMaj optimizerStep = new DMatrixRMaj(M, N);
        CommonOps_DDRM.subtract(mat(w.value()), before, optimizerStep);
        DMatrixRMaj lost = g.copy();
        CommonOps_DDRM.subtractEquals(lost, mulT(proj, vr));
        double captured = Math.sqrt(sq(proj) / sq(g));

        WorkedExampleText t = new WorkedExampleText().title("One GaLore step, worked by hand (6×4 matrix, rank r = 2)");
        t.para("GaLore keeps the weights full-size but runs Adam on a low-rank projection of the gradient. Every T "
                + "steps (T = " + c.updateProjGap() + " by default) it recomputes the projector from the current "
                + "gradient's SVD; this is the first step, so it does. Hyperparameters: lr = " + c.lr() + ", β₁ = "
                + c.beta1() + ", β₂ = " + c.beta2() + ", ε = " + c.eps() + ", α = " + c.scale() + ".");
        t.step("The gradient and its SVD");
        t.matrix("G", g).vector("σ(G)", sigma);
        t.step("Choose the side and build the projector");
        t.para("For m ≥ n (6 ≥ 4) the reference projects from the right, keeping the top-2 right singular vectors "
                + "V_r; the optimizer stores P = V_rᵀ (2×4), r·n numbers.");
        t.matrix("V_r", vr);
        t.step("Project the gradient");
        t.para("R = G·V_r is the gradient in the 2-dimensional coordinates: 6×2 instead of 6×4. Adam's moments are "
                + "kept at this size.");
        t.matrix("R = G·V_r", proj);
        t.value("captured energy ‖R‖/‖G‖ = √(σ₁² + σ₂²)/‖G‖", captured);
        t.blank();
        t.step("Adam in the subspace (first step, moments start at 0)");
        t.matrix("M₁ = (1−β₁)·R", m1).matrix("V₁ = (1−β₂)·R²  (element-wise)", v1);
        t.para("The reference adds ε to √V before bias correction and folds the correction into the step size "
                + "s = lr·√(1−β₂ᵗ)/(1−β₁ᵗ). At t = 1, M/√V = ±(1−β₁)/√(1−β₂) in every entry, so every entry of s·N is "
                + "±lr (up to ε): the first Adam step is a sign step in the projected coordinates.");
        t.matrix("N = M₁ / (√V₁ + ε)", nrm).value("s = lr·√(1−β₂)/(1−β₁)", stepSize);
        t.blank();
        t.step("Project back and update the weights");
        t.matrix("ΔW = −s·α·N·V_rᵀ", weightStep);
        t.check("ΔW  =  the change of W made by GaLore", maxAbsDiff(weightStep, optimizerStep), 1e-12).blank();
        t.step("What the projection leaves out");
        t.para("The part of G outside span(V_r) is invisible to this step and to the moments until the next "
                + "refresh. The moments are not rotated at a refresh in the reference code (GaLore issue #54).");
        t.matrix("G − G·V_r·V_rᵀ", lost);
        return new Result(g, sigma, vr, proj, m1, v1, nrm, stepSize, weightStep, optimizerStep, captured, t.toString());
    }
}

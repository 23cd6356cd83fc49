package org.mofa4j.optim;

import static org.mofa4j.optim.WorkedExampleText.maxAbsDiff;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * One MoFaSGD step on a 6×4 matrix with r = 2, worked by hand in float64 (EJML) with every intermediate of UMF
 * (algorithms.md §1.4) written out, then checked three ways: the block identity, the dense oracle
 * SVD_r(β·M + P_T(G)), and the real {@link MoFaSgd} optimizer run on the same numbers. For {@code mofa4j explain}.
 *
 * <p>The hand computation forms Q explicitly; the optimizer applies Householder reflectors instead, so agreement
 * is a real cross-check of two implementations. Only sign-invariant quantities are compared (U·diag(S)·Vᵀ, S).
 */
public final class MoFaSgdWorkedExample {
    static final int M = 6;
    static final int N = 4;
    static final int R = 2;
    static final double BETA = 0.9;
    static final double LR = 0.1;

    /** Everything the example computes; matrices are float64, shapes in the comments. */
    public record Result(DMatrixRMaj g1, DMatrixRMaj g, DMatrixRMaj u, double[] s, DMatrixRMaj v,
            DMatrixRMaj a,        // G·V [6, 2]
            DMatrixRMaj bt,       // Gᵀ·U [4, 2]
            DMatrixRMaj c0,       // Uᵀ·G·V [2, 2]
            DMatrixRMaj qU, DMatrixRMaj rU, // [U | A] = Q_U·R_U: [6, 4], [4, 4]
            DMatrixRMaj qV, DMatrixRMaj rV, // [V | Bt] = Q_V·R_V: [4, 4], [4, 4]
            DMatrixRMaj k0,       // [4, 4]
            DMatrixRMaj mid,      // R_U·K₀·R_Vᵀ [4, 4]
            double[] midSingular, // σ̄, all 4
            DMatrixRMaj uNew, double[] sNew, DMatrixRMaj vNew,
            DMatrixRMaj candidate,        // β·M + P_T(G) [6, 4]
            DMatrixRMaj oracle,           // SVD_r(candidate) [6, 4]
            DMatrixRMaj optimizerMomentum, // U⁺·diag(S⁺)·V⁺ᵀ from MoFaSgd [6, 4]
            DMatrixRMaj weightStep,       // −lr·U⁺·V⁺ᵀ [6, 4]
            DMatrixRMaj optimizerWeightStep, // W after − W before, from MoFaSgd
            String text) {}

    private MoFaSgdWorkedExample() {}

    /** The example with the fixed seed used by {@code mofa4j explain mofasgd}. */
    public static Result run() {
        return run(2025);
    }

    static Result run(long seed) {
        Rng rng = new Rng(seed);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "W");
        Tensor g1 = rng.normal(DType.F64, 0, 1, M, N);
        Tensor g2 = rng.normal(DType.F64, 0, 1, M, N);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(LR, R));
        step(opt, w, g1);
        MoFaSgd.Factors f = opt.factors(w);
        DMatrixRMaj u = mat(f.u());
        double[] s = f.s().toDoubleArray();
        DMatrixRMaj v = mat(f.v());
        DMatrixRMaj g = mat(g2);

        // 1. skinny products
        DMatrixRMaj a = mul(g, v);
        DMatrixRMaj bt = tmul(g, u);
        DMatrixRMaj c0 = tmul(u, a);
        // 2. thin QRs of [U | A] and [V | Bt]
        DMatrixRMaj ua = new DMatrixRMaj(M, 2 * R);
        CommonOps_DDRM.concatColumns(u, a, ua);
        DMatrixRMaj vb = new DMatrixRMaj(N, 2 * R);
        CommonOps_DDRM.concatColumns(v, bt, vb);
        DMatrixRMaj[] qrU = qr(ua);
        DMatrixRMaj[] qrV = qr(vb);
        // 3. K₀ = [[β·diag(S) − C₀, I], [I, 0]]
        DMatrixRMaj k0 = new DMatrixRMaj(2 * R, 2 * R);
        for (int i = 0; i < R; i++) {
            for (int j = 0; j < R; j++) {
                k0.set(i, j, (i == j ? BETA * s[i] : 0) - c0.get(i, j));
            }
            k0.set(i, R + i, 1);
            k0.set(R + i, i, 1);
        }
        // 4. the core and its SVD
        DMatrixRMaj mid = mulT(mul(qrU[1], k0), qrV[1]);
        DMatrixRMaj[] core = new DMatrixRMaj[2];
        double[] sigma = svd(mid, core);
        // 5. new factors
        DMatrixRMaj uNew = mul(qrU[0], CommonOps_DDRM.extract(core[0], 0, core[0].numRows, 0, R));
        DMatrixRMaj vNew = mul(qrV[0], CommonOps_DDRM.extract(core[1], 0, core[1].numRows, 0, R));
        double[] sNew = {sigma[0], sigma[1]};
        DMatrixRMaj momentum = scaledProduct(uNew, sNew, vNew);

        // checks: block identity, dense oracle, the optimizer itself
        DMatrixRMaj oldMomentum = scaledProduct(u, s, v);
        DMatrixRMaj tangent = tangent(u, v, g);
        DMatrixRMaj candidate = new DMatrixRMaj(M, N);
        CommonOps_DDRM.add(BETA, oldMomentum, 1, tangent, candidate);
        DMatrixRMaj block = mulT(mul(ua, k0), vb);
        DMatrixRMaj[] dense = new DMatrixRMaj[2];
        double[] candSigma = svd(candidate, dense);
        DMatrixRMaj oracle = scaledProduct(CommonOps_DDRM.extract(dense[0], 0, M, 0, R), new double[] {candSigma[0],
            candSigma[1]}, CommonOps_DDRM.extract(dense[1], 0, N, 0, R));
        DMatrixRMaj before = mat(w.value());
        step(opt, w, g2);
        DMatrixRMaj optimizerStep = new DMatrixRMaj(M, N);
        CommonOps_DDRM.subtract(mat(w.value()), before, optimizerStep);
        DMatrixRMaj optimizerMomentum = mat(opt.factors(w).momentum());
        DMatrixRMaj weightStep = mulT(uNew, vNew);
        CommonOps_DDRM.scale(-LR, weightStep);
        DMatrixRMaj normal = new DMatrixRMaj(M, N);
        CommonOps_DDRM.subtract(g, tangent, normal);

        WorkedExampleText t = new WorkedExampleText().title("One MoFaSGD step, worked by hand (6×4 matrix, rank r = 2)");
        t.para("MoFaSGD never stores the momentum M (6×4 here) itself. It keeps a rank-r SVD of it, M = U·diag(S)·Vᵀ, "
                + "and each step replaces it by the best rank-r approximation of β·M + P_T(G), where P_T(G) = UUᵀG + "
                + "GVVᵀ − UUᵀGVVᵀ is the part of the new gradient G that lies in the tangent space of the rank-r "
                + "matrices at M. It does so with two thin QRs and one 2r×2r SVD, never an SVD of a 6×4 (or "
                + "4096×4096) matrix. Here β = " + BETA + ", lr = " + LR + ", and the step is the paper's U·Vᵀ.");
        t.step("The state before the step");
        t.para("A first step with gradient G₁ initialised the factors (gradient init: U₀, V₀ = top-2 singular vectors "
                + "of G₁, S₀ = 0, so M₁ = SVD₂(G₁)). These are the factors we start from, and the new gradient G:");
        t.matrix("U  (orthonormal columns)", u).vector("S", s).matrix("V  (orthonormal columns)", v);
        t.matrix("G  (this step's gradient)", g);
        t.step("Two skinny products with the gradient");
        t.para("These are the only products that touch the full gradient (2·m·n·r multiply-adds each). In fused "
                + "mode they are all that is kept of G.");
        t.matrix("A = G·V", a).matrix("Bt = Gᵀ·U", bt).matrix("C₀ = Uᵀ·G·V = Uᵀ·A", c0);
        t.step("Thin QR of [U | A] and of [V | Bt]");
        t.para("Each block is 2r columns wide. Its QR gives an orthonormal basis (Q) of the column space that both "
                + "the old factor and the gradient's product live in. Here 2r = 4 = n, so Q_V is square. Because U and V "
                + "already have orthonormal columns, the top-left block of each R is ±I and the top-right block is "
                + "Uᵀ·A = C₀ (resp. Vᵀ·Bt = C₀ᵀ) up to those signs: the QR only has to orthonormalise the new "
                + "directions of the gradient.");
        t.matrix("Q_U", qrU[0]).matrix("R_U  (upper triangular; [U | A] = Q_U·R_U)", qrU[1]);
        t.matrix("Q_V", qrV[0]).matrix("R_V  ([V | Bt] = Q_V·R_V)", qrV[1]);
        t.step("The 2r×2r block matrix K₀");
        t.para("K₀ = [[β·diag(S) − C₀, I], [I, 0]] is built so that [U | A]·K₀·[V | Bt]ᵀ = β·U·diag(S)·Vᵀ + UUᵀG "
                + "+ GVVᵀ − UUᵀGVVᵀ = β·M + P_T(G). The −C₀ removes the UUᵀGVVᵀ part that the two cross terms count "
                + "twice.");
        t.matrix("K₀", k0);
        t.check("[U | A]·K₀·[V | Bt]ᵀ  =  β·M + P_T(G)  (dense, with the projectors UUᵀ and VVᵀ)",
                maxAbsDiff(block, candidate), 1e-12).blank();
        t.step("The core R_U·K₀·R_Vᵀ and its SVD");
        t.para("Substituting the QRs, β·M + P_T(G) = Q_U·(R_U·K₀·R_Vᵀ)·Q_Vᵀ. The middle factor is only 2r×2r; "
                + "its SVD Ā·diag(σ̄)·C̄ᵀ, sandwiched between the orthonormal Q's, is an exact SVD of the 6×4 "
                + "candidate β·M + P_T(G), whose rank is at most 2r.");
        t.matrix("Mid = R_U·K₀·R_Vᵀ", mid).vector("σ̄ (all 2r singular values of Mid)", sigma);
        t.matrix("Ā[:, :2]", CommonOps_DDRM.extract(core[0], 0, core[0].numRows, 0, R));
        t.matrix("C̄[:, :2]", CommonOps_DDRM.extract(core[1], 0, core[1].numRows, 0, R));
        t.step("The new factors: keep the top r");
        t.para("U⁺ = Q_U·Ā[:, :r], S⁺ = σ̄[:r], V⁺ = Q_V·C̄[:, :r]. By Eckart–Young this is the best rank-r "
                + "approximation of the candidate. What is dropped are the two smallest σ̄ above.");
        t.matrix("U⁺", uNew).vector("S⁺", sNew).matrix("V⁺", vNew);
        t.step("Check against a dense SVD (EJML)");
        t.para("Without any of the tricks: form β·M + P_T(G) densely, take its full SVD, keep two triplets. "
                + "Singular vectors are defined only up to sign, so the products U·diag(S)·Vᵀ are compared.");
        t.vector("σ(β·M + P_T(G)), dense", candSigma);
        t.check("U⁺·diag(S⁺)·V⁺ᵀ  =  SVD₂(β·M + P_T(G))", maxAbsDiff(momentum, oracle), 1e-10);
        t.check("S⁺  =  the two largest dense singular values", maxAbsDiff(sNew, new double[] {candSigma[0],
            candSigma[1]}), 1e-10);
        t.check("the optimizer's factors after this step (MoFaSgd, reflector-based QR)",
                maxAbsDiff(momentum, optimizerMomentum), 1e-10).blank();
        t.step("The weight update");
        t.para("The paper's step is spectrally normalised: W ← W − lr·U⁺·V⁺ᵀ. All its non-zero singular values are "
                + "lr, whatever the scale of the gradients.");
        t.matrix("ΔW = −lr·U⁺·V⁺ᵀ", weightStep);
        t.check("ΔW  =  the optimizer's change of W", maxAbsDiff(weightStep, optimizerStep), 1e-12).blank();
        t.step("What the momentum never sees");
        t.para("The normal component (I − UUᵀ)·G·(I − VVᵀ) is outside the tangent space, so it is lost to the "
                + "momentum (the reference code can add it to the step with η₂; the paper form does not).");
        t.matrix("(I − UUᵀ)·G·(I − VVᵀ)", normal);
        t.value("‖P_T(G)‖ / ‖G‖", Math.sqrt(Math.max(0, 1 - sq(normal) / sq(g))));
        return new Result(mat(g1), g, u, s, v, a, bt, c0, qrU[0], qrU[1], qrV[0], qrV[1], k0, mid, sigma, uNew, sNew,
                vNew, candidate, oracle, optimizerMomentum, weightStep, optimizerStep, t.toString());
    }

    // ---------------------------------------------------------------- float64 helpers (shared with the others)

    static void step(StatefulOptimizer opt, Variable w, Tensor g) {
        w.setGrad(g);
        opt.step();
        w.zeroGrad();
    }

    static DMatrixRMaj mat(Tensor t) {
        return LowRankMomentum.toMatrix(t);
    }

    static DMatrixRMaj mul(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, c);
        return c;
    }

    /** aᵀ·b. */
    static DMatrixRMaj tmul(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, c);
        return c;
    }

    /** a·bᵀ. */
    static DMatrixRMaj mulT(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numRows);
        CommonOps_DDRM.multTransB(a, b, c);
        return c;
    }

    static double sq(DMatrixRMaj x) {
        double n = org.ejml.dense.row.NormOps_DDRM.normF(x);
        return n * n;
    }

    /** u·diag(s)·vᵀ. */
    static DMatrixRMaj scaledProduct(DMatrixRMaj u, double[] s, DMatrixRMaj v) {
        DMatrixRMaj us = u.copy();
        for (int i = 0; i < us.numRows; i++) {
            for (int j = 0; j < s.length; j++) {
                us.set(i, j, us.get(i, j) * s[j]);
            }
        }
        return mulT(us, v);
    }

    /** P_T(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ, dense. */
    static DMatrixRMaj tangent(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj g) {
        DMatrixRMaj pu = mulT(u, u);
        DMatrixRMaj pv = mulT(v, v);
        DMatrixRMaj pug = mul(pu, g);
        DMatrixRMaj out = new DMatrixRMaj(g.numRows, g.numCols);
        CommonOps_DDRM.add(pug, mul(g, pv), out);
        CommonOps_DDRM.subtractEquals(out, mul(pug, pv));
        return out;
    }

    /** {Q [rows, k], R [k, k]} of a thin Householder QR, k = min(rows, cols). */
    static DMatrixRMaj[] qr(DMatrixRMaj x) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(x.numRows, x.numCols);
        qr.decompose(x.copy());
        return new DMatrixRMaj[] {qr.getQ(null, true), qr.getR(null, true)};
    }

    /** Singular values, descending; vectors[0] = left, vectors[1] = right (columns, same order). */
    static double[] svd(DMatrixRMaj x, DMatrixRMaj[] vectors) {
        SingularValueDecomposition_F64<DMatrixRMaj> d =
                DecompositionFactory_DDRM.svd(x.numRows, x.numCols, true, true, true);
        if (!d.decompose(x.copy())) {
            throw new ArithmeticException("worked example: the SVD did not converge");
        }
        DMatrixRMaj left = d.getU(null, false);
        DMatrixRMaj right = d.getV(null, false);
        int k = Math.min(x.numRows, x.numCols);
        double[] values = java.util.Arrays.copyOf(d.getSingularValues(), k);
        SingularOps_DDRM.descendingOrder(left, false, values, k, right, false);
        vectors[0] = left;
        vectors[1] = right;
        return values;
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * At full rank r = min(m, n) the tangent projection is the identity (one of U, V is square and orthogonal, so
 * P_T(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ = G), UMF keeps M exactly, and from gradient initialisation (S₀ = 0) the
 * factors hold the sum-form momentum M_t = β·M_{t−1} + G_t, M_1 = G_1. The SPECTRAL step U·Vᵀ is then the polar
 * factor of M_t: the orthogonal matrix nearest to it, which is what Muon's Newton–Schulz iteration approximates.
 */
class MoFaSgdPolarTest {
    private static final int STEPS = 6;
    private static final double BETA = 0.9;

    /** The polar factor U·Vᵀ of x from EJML's SVD (an oracle independent of the optimizer's UMF). */
    static DMatrixRMaj polar(DMatrixRMaj x) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(x.numRows, x.numCols, true, true, true);
        assertTrue(svd.decompose(x.copy()));
        DMatrixRMaj out = new DMatrixRMaj(x.numRows, x.numCols);
        CommonOps_DDRM.multTransB(svd.getU(null, false), svd.getV(null, false), out);
        return out;
    }

    static double[] singularValues(DMatrixRMaj x) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(x.numRows, x.numCols, false, false, true);
        assertTrue(svd.decompose(x.copy()));
        return svd.getSingularValues().clone();
    }

    private static DMatrixRMaj matrix(Tensor t) {
        return DMatrixRMaj.wrap(t.dim(0), t.dim(1), t.toDoubleArray());
    }

    private static double maxAbsDiff(DMatrixRMaj a, DMatrixRMaj b) {
        double worst = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"6, 4", "4, 6", "5, 5"})
    void spectralStepIsThePolarFactorOfTheSumFormMomentum(int m, int n) {
        Rng rng = new Rng(11);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        // lr 1 and η₁ = 1: the weight change of a step is exactly −U·Vᵀ.
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(1.0, Math.min(m, n)).withBeta(BETA));
        DMatrixRMaj momentum = new DMatrixRMaj(m, n); // dense oracle of M_t, zero before the first step
        for (int t = 1; t <= STEPS; t++) {
            Tensor g = rng.normal(DType.F64, 0, 1, m, n);
            CommonOps_DDRM.scale(BETA, momentum);
            CommonOps_DDRM.addEquals(momentum, matrix(g));

            DMatrixRMaj before = matrix(w.value());
            w.setGrad(g);
            opt.step();
            opt.zeroGrad();
            DMatrixRMaj step = new DMatrixRMaj(m, n);
            CommonOps_DDRM.subtract(before, matrix(w.value()), step); // W_{t−1} − W_t = U·Vᵀ

            DMatrixRMaj expected = polar(momentum);
            double err = maxAbsDiff(step, expected);
            assertTrue(err < 1e-10, "step " + t + ": |U·Vᵀ − polar(M)|max = " + err);
            // The factors themselves carry M_t (full rank: nothing is truncated).
            DMatrixRMaj implied = matrix(opt.factors(w).momentum());
            double merr = maxAbsDiff(implied, momentum) / CommonOps_DDRM.elementMaxAbs(momentum);
            assertTrue(merr < 1e-12, "step " + t + ": U·diag(S)·Vᵀ differs from β·M + G by " + merr);
        }
    }

    /**
     * Muon's Newton–Schulz result NS(M) = U·f⁵(σ/‖M‖_F)·Vᵀ has M's singular vectors but singular values only in
     * about [0.68, 1.21] (for σ/‖M‖_F ≥ 0.002, checked here). So: (1) its own polar factor, which discards those
     * values, equals MoFaSGD's step to 1e-10; (2) NS(M) itself is within 0.33 of the step in spectral norm, and its
     * singular values lie in [0.68, 1.21]: the two agree to Newton–Schulz's precision, not more.
     */
    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"6, 4", "4, 6"})
    void newtonSchulzAgreesToItsPrecisionAndExactlyInItsSingularVectors(int m, int n) {
        Rng rng = new Rng(12);
        Variable w = Variable.parameter(Tensor.zeros(DType.F64, m, n), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(1.0, Math.min(m, n)).withBeta(BETA));
        DMatrixRMaj momentum = new DMatrixRMaj(m, n);
        for (int t = 1; t <= 3; t++) {
            Tensor g = rng.normal(DType.F64, 0, 1, m, n);
            CommonOps_DDRM.scale(BETA, momentum);
            CommonOps_DDRM.addEquals(momentum, matrix(g));
            DMatrixRMaj before = matrix(w.value());
            w.setGrad(g);
            opt.step();
            opt.zeroGrad();
            DMatrixRMaj step = new DMatrixRMaj(m, n);
            CommonOps_DDRM.subtract(before, matrix(w.value()), step);

            double[] sigma = singularValues(momentum);
            double frob = org.ejml.dense.row.NormOps_DDRM.normF(momentum);
            for (double s : sigma) {
                assertTrue(s / frob >= 0.002, "precondition: σ/‖M‖_F = " + s / frob + " is below the NS band");
            }
            DMatrixRMaj ns = matrix(Muon.orthogonalize(Tensor.wrap(momentum.data.clone(), m, n), 5));
            double subspaceErr = maxAbsDiff(polar(ns), step);
            assertTrue(subspaceErr < 1e-10, "step " + t + ": polar(NS(M)) vs U·Vᵀ: " + subspaceErr);

            for (double s : singularValues(ns)) {
                assertTrue(s >= 0.68 && s <= 1.21, "step " + t + ": NS singular value " + s + " outside [0.68, 1.21]");
            }
            DMatrixRMaj diff = new DMatrixRMaj(m, n);
            CommonOps_DDRM.subtract(ns, step, diff);
            double spectral = singularValues(diff)[0];
            for (double s : singularValues(diff)) {
                spectral = Math.max(spectral, s);
            }
            assertTrue(spectral <= 0.33, "step " + t + ": ‖NS(M) − U·Vᵀ‖₂ = " + spectral);
        }
    }
}

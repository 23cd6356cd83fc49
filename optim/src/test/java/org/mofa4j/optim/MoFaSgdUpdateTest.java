package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.optim.MoFaSgdUmfTest.stepWith;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** The weight step: update forms, the η₂ normal component, Nesterov look-ahead, β warm-up, lr scale. */
class MoFaSgdUpdateTest {

    private static Variable matrix(Rng rng, int m, int n) {
        return Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
    }

    /** W_before − W_after. */
    private static DMatrixRMaj stepTaken(MoFaSgd opt, Variable w, Tensor g) {
        DMatrixRMaj before = Dense.of(w.value());
        stepWith(opt, w, g);
        return Dense.add(1, before, -1, Dense.of(w.value()));
    }

    @Test
    void spectralStepIsLrTimesUVTransposeWithAllSingularValuesEqualToLr() {
        Rng rng = new Rng(1);
        Variable w = matrix(rng, 10, 7);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.03, 3).withEtas(2.0, 0));
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 10, 7));
        DMatrixRMaj d = stepTaken(opt, w, rng.normal(DType.F64, 0, 1, 10, 7));
        MoFaSgd.Factors f = opt.factors(w);
        DMatrixRMaj uvt = Dense.of(f.u().matmul(f.v().t()));
        assertTrue(Dense.relErr(d, Dense.add(0.03 * 2.0, uvt, 0, uvt)) < 1e-13);
        double[] s = Dense.svd(d).s();
        for (int i = 0; i < 7; i++) {
            assertEquals(i < 3 ? 0.06 : 0.0, s[i], 1e-14);
        }
    }

    @Test
    void reciprocalCappedStepWeightsEachDirectionByPhiIncludingTheCapAndTheEpsDrop() {
        // G₁ = P·diag(σ)·Qᵀ. Gradient init makes M₁ = G₁, so the step is −lr·Σ φ(σ_i)·p_i·q_iᵀ with
        // φ(5) = 0.2, φ(0.5) = 2, φ(1e-3) = min(1000, 100) = 100 (capped), φ(1e-9) = 0 (≤ eps: dropped).
        Rng rng = new Rng(2);
        Variable w = matrix(rng, 8, 6);
        MoFaSgd.Config c =
                MoFaSgd.Config.paper(0.01, 4).withStepShape(MoFaSgd.UpdateForm.RECIPROCAL_CAPPED, 1e-6, 100);
        MoFaSgd opt = new MoFaSgd(List.of(w), c);
        double[] sigma = {5, 0.5, 1e-3, 1e-9};
        DMatrixRMaj g = Dense.withSpectrum(rng, 8, 6, sigma);
        DMatrixRMaj d = stepTaken(opt, w, Dense.tensor(g, DType.F64));
        double[] phi = {0.2, 2, 100, 0};
        for (int i = 0; i < 4; i++) {
            assertEquals(phi[i], c.phi(sigma[i]), 1e-12);
        }
        DMatrixRMaj expected = Dense.svd(g).weighted(new double[] {0.01 * 0.2, 0.01 * 2, 0.01 * 100, 0});
        assertTrue(Dense.relErr(d, expected) < 1e-10, "error " + Dense.relErr(d, expected));
    }

    @Test
    void phiDropsValuesAtOrBelowEpsInBothForms() {
        MoFaSgd.Config spectral = MoFaSgd.Config.paper(0.1, 2).withStepShape(MoFaSgd.UpdateForm.SPECTRAL, 1e-3, 5);
        MoFaSgd.Config reciprocal = spectral.withStepShape(MoFaSgd.UpdateForm.RECIPROCAL_CAPPED, 1e-3, 5);
        assertEquals(0.0, spectral.phi(1e-3));
        assertEquals(1.0, spectral.phi(2e-3));
        assertEquals(0.0, reciprocal.phi(1e-3));
        assertEquals(5.0, reciprocal.phi(2e-3));
        assertEquals(0.5, reciprocal.phi(2.0));
    }

    @ParameterizedTest(name = "current projection {0}")
    @ValueSource(booleans = {true, false})
    void eta2TermEqualsTheDenseNormalComponent(boolean current) {
        Rng rng = new Rng(current ? 3 : 4);
        Variable w = matrix(rng, 9, 8);
        MoFaSgd opt = new MoFaSgd(List.of(w),
                MoFaSgd.Config.paper(0.05, 3).withEtas(0, 1.5).withProjection(current).withBeta(0.6));
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 9, 8));
        MoFaSgd.Factors old = opt.factors(w);
        Tensor g = rng.normal(DType.F64, 0, 1, 9, 8);
        DMatrixRMaj d = stepTaken(opt, w, g);
        MoFaSgd.Factors proj = current ? opt.factors(w) : old;
        DMatrixRMaj normal = Dense.normal(Dense.of(proj.u()), Dense.of(proj.v()), Dense.of(g));
        assertTrue(Dense.relErr(d, Dense.add(0.05 * 1.5, normal, 0, normal)) < 1e-12);
    }

    @Test
    void bothTermsAddUp() {
        Rng rng = new Rng(5);
        Variable w = matrix(rng, 7, 9);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.reference(0.02, 2).withInit(MoFaSgd.Init.GRADIENT));
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 7, 9));
        MoFaSgd.Factors old = opt.factors(w);
        Tensor g = rng.normal(DType.F64, 0, 1, 7, 9);
        DMatrixRMaj d = stepTaken(opt, w, g);
        MoFaSgd.Factors f = opt.factors(w);
        double[] phi = {1 / f.s().getFlat(0), 1 / f.s().getFlat(1)};
        DMatrixRMaj lowRank = Dense.of(f.u().mul(Tensor.of(phi, 2)).matmul(f.v().t()));
        DMatrixRMaj normal = Dense.normal(Dense.of(old.u()), Dense.of(old.v()), Dense.of(g)); // previous projectors
        assertTrue(Dense.relErr(d, Dense.add(0.02, lowRank, 0.02, normal)) < 1e-12);
    }

    @Test
    void nesterovStepsWithASecondUmfButStoresTheFirst() {
        Rng rng = new Rng(6);
        Variable plain = matrix(rng, 11, 8);
        Variable look = Variable.parameter(plain.value().copy(), "w");
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.1, 3).withBeta(0.8);
        MoFaSgd a = new MoFaSgd(List.of(plain), c);
        MoFaSgd b = new MoFaSgd(List.of(look), c.withNesterov(true));
        for (int t = 0; t < 3; t++) {
            Tensor g = rng.normal(DType.F64, 0, 1, 11, 8);
            DMatrixRMaj d = stepTaken(b, look, g);
            stepWith(a, plain, g);
            MoFaSgd.Factors fa = a.factors(plain);
            MoFaSgd.Factors fb = b.factors(look);
            assertArrayEquals(fa.u().toDoubleArray(), fb.u().toDoubleArray(), 1e-12, "stored state is the first UMF");
            assertArrayEquals(fa.s().toDoubleArray(), fb.s().toDoubleArray(), 1e-12);
            // Look-ahead: SVD_r(β·M⁺ + P_T(M⁺)(G)); the step is 0.1·Σ_{i<3} u_i·v_iᵀ of that.
            DMatrixRMaj ahead = Dense.add(0.8, Dense.momentum(fb), 1,
                    Dense.tangent(Dense.of(fb.u()), Dense.of(fb.v()), Dense.of(g)));
            DMatrixRMaj expected = Dense.svd(ahead).weighted(new double[] {0.1, 0.1, 0.1});
            assertTrue(Dense.relErr(d, expected) < 1e-9, "step " + t + ": " + Dense.relErr(d, expected));
        }
    }

    @Test
    void betaWarmupOverwritesBetaWithALinearRampPerStep() {
        // After the first step, zero gradients scale S by exactly the β of that step: 0.5 + 0.1·(t−1), then 0.9.
        Rng rng = new Rng(7);
        Variable w = matrix(rng, 6, 5);
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.0, 2).withBeta(0.1)
                .withBetaWarmup(new MoFaSgd.BetaWarmup(0.5, 0.9, 4));
        MoFaSgd opt = new MoFaSgd(List.of(w), c);
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 6, 5));
        double[] expectedBeta = {0.6, 0.7, 0.8, 0.9, 0.9, 0.9};
        for (double beta : expectedBeta) {
            double s0 = opt.factors(w).s().getFlat(0);
            stepWith(opt, w, Tensor.zeros(DType.F64, 6, 5));
            assertEquals(beta, opt.factors(w).s().getFlat(0) / s0, 1e-12);
        }
    }

    @Test
    void lrScaleMultipliesTheStep() {
        Rng rng = new Rng(8);
        Variable a = matrix(rng, 5, 4);
        Variable b = Variable.parameter(a.value().copy(), "w");
        MoFaSgd full = new MoFaSgd(List.of(a), MoFaSgd.Config.paper(0.2, 2));
        MoFaSgd scaled = new MoFaSgd(List.of(b), MoFaSgd.Config.paper(0.4, 2));
        scaled.setLrScale(0.5);
        Tensor g = rng.normal(DType.F64, 0, 1, 5, 4);
        assertTrue(Dense.relErr(stepTaken(scaled, b, g), stepTaken(full, a, g)) < 1e-15);
    }
}

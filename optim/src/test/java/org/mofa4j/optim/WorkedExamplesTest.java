package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;

/**
 * The numbers {@code mofa4j explain} prints are right: each worked example's intermediates are recomputed here
 * independently with EJML (dense SVDs, projectors, plain loops) and compared, and the printed text names every
 * intermediate and reports no mismatch.
 */
class WorkedExamplesTest {

    private static double maxAbs(DMatrixRMaj a, DMatrixRMaj b) {
        return CommonOps_DDRM.elementMaxAbs(Dense.add(1, a, -1, b));
    }

    private static DMatrixRMaj transpose(DMatrixRMaj x) {
        return CommonOps_DDRM.transpose(x, null);
    }

    @Test
    void moFaSgdIntermediatesAndResultMatchDenseEjml() {
        MoFaSgdWorkedExample.Result r = MoFaSgdWorkedExample.run();
        int m = 6;
        int n = 4;
        // skinny products
        assertTrue(maxAbs(r.a(), Dense.mul(r.g(), r.v())) < 1e-14);
        assertTrue(maxAbs(r.bt(), Dense.mul(transpose(r.g()), r.u())) < 1e-14);
        assertTrue(maxAbs(r.c0(), Dense.mul(Dense.mul(transpose(r.u()), r.g()), r.v())) < 1e-14);
        // QRs: orthonormal Q, upper-triangular R, Q·R = the block
        DMatrixRMaj ua = new DMatrixRMaj(m, 4);
        CommonOps_DDRM.concatColumns(r.u(), r.a(), ua);
        assertTrue(maxAbs(Dense.mul(r.qU(), r.rU()), ua) < 1e-13);
        assertTrue(maxAbs(Dense.mul(transpose(r.qU()), r.qU()), CommonOps_DDRM.identity(4)) < 1e-13);
        assertTrue(maxAbs(Dense.mul(transpose(r.qV()), r.qV()), CommonOps_DDRM.identity(4)) < 1e-13);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < i; j++) {
                assertEquals(0.0, r.rU().get(i, j), 1e-14);
                assertEquals(0.0, r.rV().get(i, j), 1e-14);
            }
        }
        // the candidate, from dense projectors, and its SVD: σ̄ are all of its singular values (rank ≤ 2r)
        DMatrixRMaj momentum = Dense.add(0.9, Dense.mul(Dense.mul(r.u(), CommonOps_DDRM.diag(r.s())),
                transpose(r.v())), 1, Dense.tangent(r.u(), r.v(), r.g()));
        assertTrue(maxAbs(r.candidate(), momentum) < 1e-13);
        Dense.Svd svd = Dense.svd(momentum);
        for (int i = 0; i < 4; i++) {
            assertEquals(svd.s()[i], r.midSingular()[i], 1e-12);
        }
        DMatrixRMaj newMomentum = Dense.mul(Dense.mul(r.uNew(), CommonOps_DDRM.diag(r.sNew())), transpose(r.vNew()));
        assertTrue(maxAbs(newMomentum, svd.truncated(2)) < 1e-12);
        assertTrue(maxAbs(newMomentum, r.optimizerMomentum()) < 1e-12);
        // the spectral step: −lr·U⁺V⁺ᵀ with both non-zero singular values equal to lr
        assertTrue(maxAbs(r.weightStep(), r.optimizerWeightStep()) < 1e-13);
        double[] stepSv = Dense.svd(r.weightStep()).s();
        assertEquals(0.1, stepSv[0], 1e-13);
        assertEquals(0.1, stepSv[1], 1e-13);
        assertEquals(0.0, stepSv[2], 1e-13);
        assertText(r.text(), "A = G·V", "Bt = Gᵀ·U", "C₀", "Q_U", "R_U", "Q_V", "R_V", "K₀", "Mid = R_U·K₀·R_Vᵀ",
                "U⁺", "S⁺", "V⁺", "SVD₂(β·M + P_T(G))");
    }

    @Test
    void galoreIntermediatesMatchTheGradientsSvdAndTheOptimizer() {
        GaLoreWorkedExample.Result r = GaLoreWorkedExample.run();
        Dense.Svd svd = Dense.svd(r.g());
        DMatrixRMaj v2 = CommonOps_DDRM.extract(svd.v(), 0, 4, 0, 2);
        assertTrue(maxAbs(Dense.projector(r.vr()), Dense.projector(v2)) < 1e-13, "projector = top-2 right subspace");
        assertTrue(maxAbs(r.projected(), Dense.mul(r.g(), r.vr())) < 1e-14);
        double top = Math.hypot(svd.s()[0], svd.s()[1]);
        assertEquals(top / NormOps_DDRM.normF(r.g()), r.capturedFraction(), 1e-13);
        // first Adam step: N = (1−β₁)·R / (√((1−β₂)·R²) + ε), so s·N is ±lr up to ε
        assertEquals(0.01 * Math.sqrt(1 - 0.999) / (1 - 0.9), r.stepSize(), 1e-15);
        for (int i = 0; i < r.projected().data.length; i++) {
            double x = r.projected().data[i];
            assertEquals(0.1 * x / (Math.sqrt(0.001 * x * x) + 1e-6), r.normalised().data[i], 1e-12);
            assertEquals(0.01, Math.abs(r.normalised().data[i]) * r.stepSize(), 1e-3 * 0.01);
        }
        assertTrue(maxAbs(r.weightStep(), r.optimizerWeightStep()) < 1e-14);
        assertText(r.text(), "V_r", "R = G·V_r", "M₁", "V₁", "N = M₁", "ΔW = −s·α·N·V_rᵀ");
    }

    @Test
    void adaLomoIntermediatesMatchPlainLoopsAndTheOptimizer() {
        AdaLomoWorkedExample.Result r = AdaLomoWorkedExample.run();
        assertEquals(1 - Math.pow(2, -0.8), r.beta2(), 1e-15);
        double meanRow = java.util.Arrays.stream(r.row()).average().orElseThrow();
        double sumSq = 0;
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                double vhat = r.row()[i] * r.col()[j] / meanRow;
                assertEquals(vhat, r.vHat().get(i, j), 1e-12 * vhat);
                assertEquals(r.g().get(i, j) / Math.sqrt(vhat), r.u().get(i, j), 1e-12);
                sumSq += r.uHat().get(i, j) * r.uHat().get(i, j);
            }
        }
        assertTrue(r.rmsU() > 1, "the example is meant to show active normalisation");
        assertEquals(1.0, Math.sqrt(sumSq / 24), 1e-12, "RMS(û) = d = 1 when normalisation is active");
        double rmsW = NormOps_DDRM.normF(r.w()) / Math.sqrt(24);
        assertEquals(0.05 * rmsW, r.alpha(), 1e-15);
        assertTrue(maxAbs(r.weightStep(), r.optimizerWeightStep()) < 1e-14);
        assertText(r.text(), "R (row means", "C (column means", "V̂", "u = G / √V̂", "RMS(u)", "û", "ΔW = −α·û");
    }

    private static void assertText(String text, String... labels) {
        for (String label : List.of(labels)) {
            assertTrue(text.contains(label), "the worked example does not show " + label);
        }
        assertTrue(text.contains("check:"));
        assertFalse(text.contains("MISMATCH"), text);
    }
}

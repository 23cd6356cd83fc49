package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.optim.MoFaSgdUmfTest.stepWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Every recorded metric equals an independent float64 computation on EJML: a dense shadow momentum, dense
 * tangent projectors UUᵀ and VVᵀ (the recorder uses skinny products), a full SVD for the best rank-r error, and
 * for the principal angles the identity ‖P₁ − P₂‖_F² = 2·Σ sin²θᵢ between the two subspaces' projectors.
 */
class DiagnosticsRecorderTest {

    private static double normF(DMatrixRMaj x) {
        return NormOps_DDRM.normF(x);
    }

    private static double num(Map<String, Object> rec, String key) {
        return ((Number) rec.get(key)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Double> nums(Map<String, Object> rec, String key) {
        return (List<Double>) rec.get(key);
    }

    /** Σ sin²θ from recorded angles. */
    private static double sumSin2(List<Double> anglesDeg) {
        double s = 0;
        for (double a : anglesDeg) {
            double x = Math.sin(Math.toRadians(a));
            s += x * x;
        }
        return s;
    }

    /** ‖AAᵀ − BBᵀ‖_F² / 2 for orthonormal A, B: equals Σ sin²θ of their principal angles. */
    private static double projectorGap(DMatrixRMaj a, DMatrixRMaj b) {
        double d = normF(Dense.add(1, Dense.projector(a), -1, Dense.projector(b)));
        return d * d / 2;
    }

    /** A gradient with a planted rank-3 part plus noise, so the low-rank and best rank-r errors differ from 0. */
    private static Tensor gradient(Rng rng, DMatrixRMaj signal, DType dtype) {
        Tensor noise = rng.normal(DType.F64, 0, 0.3, signal.numRows, signal.numCols);
        return Dense.tensor(signal, DType.F64).add(noise).to(dtype);
    }

    @Test
    void moFaSgdMetricsEqualADenseFloat64ShadowAndDenseProjectors() {
        Rng rng = new Rng(11);
        int m = 12;
        int n = 8;
        int r = 2;
        Variable w = Variable.parameter(rng.normal(DType.F32, 0, 1, m, n), "w");
        MoFaSgd.Config config = MoFaSgd.Config.paper(0.05, r);
        MoFaSgd opt = new MoFaSgd(List.of(w), config);
        List<Map<String, Object>> records = new ArrayList<>();
        DiagnosticsRecorder recorder = new DiagnosticsRecorder(3, records::add);
        opt.setInspection(recorder);
        DMatrixRMaj signal = Dense.withSpectrum(rng, m, n, 4, 2, 1);

        DMatrixRMaj shadow = new DMatrixRMaj(m, n); // gradient init: M₀ = 0
        MoFaSgd.Factors previous = null;
        List<double[]> expected = new ArrayList<>(); // {step, errLow, errBest, tangent, update, gapU, gapV}
        for (int step = 1; step <= 7; step++) {
            Tensor g = gradient(rng, signal, DType.F32);
            DMatrixRMaj gd = Dense.of(g);
            DMatrixRMaj w0 = Dense.of(w.value());
            stepWith(opt, w, g);
            MoFaSgd.Factors now = opt.factors(w);
            MoFaSgd.Factors before = previous != null ? previous : initialFactorsOf(gd, r);
            CommonOps_DDRM.scale(config.beta(), shadow);
            CommonOps_DDRM.addEquals(shadow, gd);
            if (step == 1 || step % 3 == 0) {
                double sn = normF(shadow);
                double errLow = normF(Dense.add(1, Dense.momentum(now), -1, shadow)) / sn;
                double errBest = normF(Dense.add(1, Dense.svd(shadow).truncated(r), -1, shadow)) / sn;
                double tangent = normF(Dense.tangent(Dense.of(before.u()), Dense.of(before.v()), gd)) / normF(gd);
                double update = normF(Dense.add(1, Dense.of(w.value()), -1, w0));
                expected.add(new double[] {step, errLow, errBest, tangent, update,
                        projectorGap(Dense.of(before.u()), Dense.of(now.u())),
                        projectorGap(Dense.of(before.v()), Dense.of(now.v())), normF(gd), normF(w0)});
            }
            previous = now;
        }

        assertEquals(expected.size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            Map<String, Object> rec = records.get(i);
            double[] e = expected.get(i);
            String at = "step " + (long) e[0];
            assertEquals("mofasgd", rec.get("kind"));
            assertEquals("w", rec.get("param"));
            assertEquals((long) e[0], ((Number) rec.get("step")).longValue());
            assertEquals(e[1], num(rec, "err_lowrank"), 1e-5, at);
            assertEquals(e[2], num(rec, "err_best_rank_r"), 1e-5, at);
            assertEquals(e[3], num(rec, "tangent_fraction"), 1e-5, at);
            assertEquals(e[4], num(rec, "update_norm"), 1e-6, at);
            assertEquals(e[4] / e[7], num(rec, "effective_lr"), 1e-6, at);
            assertEquals(e[4] / e[8], num(rec, "relative_update"), 1e-6, at);
            assertEquals(e[5], sumSin2(nums(rec, "angles_u_deg")), 1e-5, at);
            assertEquals(e[6], sumSin2(nums(rec, "angles_v_deg")), 1e-5, at);
            assertEquals(r, nums(rec, "S").size());
            // the error of the factors can never beat the Eckart–Young floor
            assertTrue(num(rec, "err_lowrank") >= num(rec, "err_best_rank_r") - 1e-6, at);
        }
        // S equals the factors' singular values and the spectrum is the shadow's top r at step 1 (M₁ = SVD_r(G₁))
        Map<String, Object> first = records.get(0);
        assertEquals(num(first, "err_best_rank_r"), num(first, "err_lowrank"), 1e-6);
        for (int k = 0; k < r; k++) {
            assertEquals(nums(first, "shadow_sv").get(k), nums(first, "S").get(k), 1e-4);
        }
        // the spectral step U·Vᵀ has norm lr·√r
        assertEquals(0.05 * Math.sqrt(r), num(records.get(1), "update_norm"), 1e-6);
        assertEquals(8L * m * n, recorder.shadowBytes());
        assertTrue(recorder.nanosSpent() > 0);
    }

    /** Gradient init: U₀, V₀ are the top-r singular vectors of G₁, S₀ = 0. */
    private static MoFaSgd.Factors initialFactorsOf(DMatrixRMaj g, int r) {
        Dense.Svd svd = Dense.svd(g);
        DMatrixRMaj u = CommonOps_DDRM.extract(svd.u(), 0, g.numRows, 0, r);
        DMatrixRMaj v = CommonOps_DDRM.extract(svd.v(), 0, g.numCols, 0, r);
        return new MoFaSgd.Factors(Dense.tensor(u, DType.F64), Tensor.zeros(DType.F64, r), Dense.tensor(v, DType.F64));
    }

    @Test
    void galoreRefreshAnglesAndCapturedEnergyMatchTheGradientsSvd() {
        Rng rng = new Rng(12);
        int m = 9;
        int n = 6;
        int r = 2;
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        GaLore opt = new GaLore(List.of(w), GaLore.Config.defaults(0.01, r).withUpdateProjGap(3));
        List<Map<String, Object>> records = new ArrayList<>();
        opt.setInspection(new DiagnosticsRecorder(2, records::add));
        DMatrixRMaj signal = Dense.withSpectrum(rng, m, n, 3, 2, 1);
        List<double[]> refreshes = new ArrayList<>(); // {step, captured, gap}
        DMatrixRMaj oldV = null;
        for (int step = 1; step <= 7; step++) {
            Tensor g = gradient(rng, signal, DType.F64);
            stepWith(opt, w, g);
            if (step % 3 == 1) { // refreshes at calls 1, 4, 7
                Dense.Svd svd = Dense.svd(Dense.of(g));
                double top = Math.hypot(svd.s()[0], svd.s()[1]);
                DMatrixRMaj v = Dense.of(opt.projector(w).vt().t());
                refreshes.add(new double[] {step, top / normF(Dense.of(g)), oldV == null ? -1 : projectorGap(oldV, v)});
                oldV = v;
            }
        }
        List<Map<String, Object>> refreshRecords = records.stream()
                .filter(rec -> rec.get("kind").equals("galore_refresh")).toList();
        assertEquals(3, refreshRecords.size());
        for (int i = 0; i < 3; i++) {
            Map<String, Object> rec = refreshRecords.get(i);
            double[] e = refreshes.get(i);
            assertEquals((long) e[0], ((Number) rec.get("step")).longValue());
            assertEquals(e[1], num(rec, "captured_fraction"), 1e-12);
            assertEquals("RIGHT", rec.get("side"));
            if (e[2] < 0) {
                assertFalse(rec.containsKey("angles_v_deg"), "no previous projector at the first refresh");
            } else {
                assertEquals(e[2], sumSin2(nums(rec, "angles_v_deg")), 1e-10);
            }
        }
        List<Long> dueSteps = records.stream().filter(rec -> rec.get("kind").equals("galore"))
                .map(rec -> ((Number) rec.get("step")).longValue()).toList();
        assertEquals(List.of(1L, 2L, 4L, 6L), dueSteps);
    }

    @Test
    void adaLomoRmsBeforeAndAfterGroupedNormalisationMatchTheFactoredEstimate() {
        Rng rng = new Rng(13);
        int m = 6;
        int n = 4;
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        AdaLomo.Config config = AdaLomo.Config.defaults(0.1);
        AdaLomo opt = new AdaLomo(List.of(w), config);
        List<Map<String, Object>> records = new ArrayList<>();
        opt.setInspection(new DiagnosticsRecorder(1, records::add));
        // rows of very different scale, so V̂'s rank-1 fit is far from G² and RMS(u) > 1 (normalisation active)
        Tensor g = rng.normal(DType.F64, 0, 1, m, n).mul(Tensor.of(new double[] {1, 1, 1, 1, 1, 100}, m, 1));
        double rmsW = normF(Dense.of(w.value())) / Math.sqrt(m * n);
        DMatrixRMaj w0 = Dense.of(w.value());
        stepWith(opt, w, g);

        // t = 1: β₂ = 0, so R = rowmean(G² + ε₁), C = colmean(G² + ε₁), V̂ = (R / mean R)·Cᵀ
        double[] gd = g.toDoubleArray();
        double[] row = new double[m];
        double[] col = new double[n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double q = gd[i * n + j] * gd[i * n + j] + config.eps1();
                row[i] += q / n;
                col[j] += q / m;
            }
        }
        double meanRow = java.util.Arrays.stream(row).average().orElseThrow();
        double sumU2 = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double u = gd[i * n + j] / Math.sqrt(row[i] / meanRow * col[j]);
                sumU2 += u * u;
            }
        }
        double rmsU = Math.sqrt(sumU2 / (m * n));
        assertTrue(rmsU > 1, "the test needs active normalisation, RMS(u) = " + rmsU);
        Map<String, Object> rec = records.get(0);
        assertEquals(rmsU, num(rec, "rms_u"), 1e-12);
        assertEquals(1.0, num(rec, "rms_u_hat"), 1e-12);
        double alpha = 0.1 * Math.max(1e-3, rmsW);
        assertEquals(alpha, num(rec, "alpha"), 1e-12);
        // ‖Δθ‖ = α·RMS(û)·√(mn)
        assertEquals(alpha * Math.sqrt(m * n), normF(Dense.add(1, Dense.of(w.value()), -1, w0)), 1e-12);
        assertEquals(alpha * Math.sqrt(m * n), num(rec, "update_norm"), 1e-12);
    }

    @Test
    void withoutInspectionNothingIsRecordedAndFusedMoFaSgdRefusesIt() {
        Rng rng = new Rng(14);
        Variable w = Variable.parameter(rng.normal(DType.F32, 0, 1, 5, 4), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 2));
        List<Map<String, Object>> records = new ArrayList<>();
        DiagnosticsRecorder recorder = new DiagnosticsRecorder(1, records::add);
        opt.setInspection(recorder);
        stepWith(opt, w, rng.normal(DType.F32, 0, 1, 5, 4));
        opt.setInspection(null);
        stepWith(opt, w, rng.normal(DType.F32, 0, 1, 5, 4));
        assertEquals(1, records.size());
        assertEquals(1, recorder.recordCount());
        opt.attach();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.setInspection(recorder));
        assertTrue(e.getMessage().contains("fused"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DiagnosticsRecorder(0, records::add));
    }

    @Test
    void aZeroShadowGivesNullErrorsNotNaN() {
        Variable w = Variable.parameter(Tensor.ones(DType.F64, 4, 3), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 2));
        List<Map<String, Object>> records = new ArrayList<>();
        opt.setInspection(new DiagnosticsRecorder(1, records::add));
        stepWith(opt, w, Tensor.zeros(DType.F64, 4, 3));
        assertTrue(records.get(0).containsKey("err_lowrank"));
        assertNull(records.get(0).get("err_lowrank"));
    }
}

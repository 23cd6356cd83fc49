package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * The single-pass sketch that starts fused MoFaSGD from its first gradient without forming it: the
 * reconstruction against EJML's dense SVD, and the optimizer's first fused step against the unfused one.
 */
class MoFaSgdSketchTest {

    /** fromSketch applied to a dense G, with the test matrices the optimizer would use for {@code seed}. */
    private static LowRankMomentum.Factors sketchOf(DMatrixRMaj g, int r, long seed) {
        int m = g.numRows;
        int n = g.numCols;
        LowRankMomentum.SketchSize size = LowRankMomentum.SketchSize.of(r, m, n);
        Tensor gt = Dense.tensor(g, DType.F64);
        Tensor omega = LowRankMomentum.rangeTest(seed, DType.F64, n, size.k());
        Tensor psi = LowRankMomentum.corangeTest(seed, DType.F64, m, size.l());
        return LowRankMomentum.fromSketch(gt.matmul(omega), gt.t().matmul(psi), psi, r, "g");
    }

    private static DMatrixRMaj product(LowRankMomentum.Factors f) {
        return Dense.of(f.u().mul(f.s()).matmul(f.v().t()));
    }

    private static double orthonormalityError(Tensor q) {
        DMatrixRMaj x = Dense.of(q);
        DMatrixRMaj gram = new DMatrixRMaj(x.numCols, x.numCols);
        CommonOps_DDRM.multTransA(x, x, gram);
        return CommonOps_DDRM.elementMaxAbs(Dense.add(1, gram, -1, CommonOps_DDRM.identity(x.numCols)));
    }

    @ParameterizedTest(name = "{0}×{1}, r {2}")
    @CsvSource({"60, 40, 3", "40, 60, 3", "30, 25, 1", "50, 50, 6"})
    void gradientOfRankAtMostKIsRecoveredExactly(int m, int n, int r) {
        // rank 5 ≤ k = r + 10: the sketch holds all of G, so the factors are G's own top-r SVD
        DMatrixRMaj g = Dense.withSpectrum(new Rng(m * 31L + n), m, n, 5.0, 3.5, 2.0, 1.25, 0.5);
        LowRankMomentum.Factors f = sketchOf(g, r, 7);
        Dense.Svd exact = Dense.svd(g);
        assertTrue(Dense.relErr(product(f), exact.truncated(r)) < 1e-10, "U·diag(S)·Vᵀ = SVD_r(G)");
        for (int i = 0; i < r; i++) {
            assertEquals(exact.s()[i], f.s().getFlat(i), 1e-10 * exact.s()[0], "σ" + i);
        }
        assertTrue(orthonormalityError(f.u()) < 1e-12);
        assertTrue(orthonormalityError(f.v()) < 1e-12);
    }

    @Test
    void fullRankGradientWithADecayingSpectrumIsNearlyOptimal() {
        // σ_i = 0.75^i, 80×50: the rank-4 truncation of the sketch is within a few % of the best rank-4 error,
        // and a wrong transpose or a wrong test matrix would be off by far more
        int m = 80;
        int n = 50;
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            sigma[i] = Math.pow(0.75, i);
        }
        DMatrixRMaj g = Dense.withSpectrum(new Rng(11), m, n, sigma);
        int r = 4;
        LowRankMomentum.Factors f = sketchOf(g, r, 3);
        double best = NormOps_DDRM.normF(Dense.add(1, g, -1, Dense.svd(g).truncated(r)));
        double got = NormOps_DDRM.normF(Dense.add(1, g, -1, product(f)));
        assertTrue(got <= 1.02 * best, "‖G − Ĝ_r‖ = " + got + ", best " + best);
        assertEquals(1.0, f.s().getFlat(0), 5e-3, "σ₀ within 0.5%");
        assertTrue(orthonormalityError(f.u()) < 1e-12 && orthonormalityError(f.v()) < 1e-12);
    }

    @Test
    void zeroGradientGivesZeroValuesAndOrthonormalFactors() {
        LowRankMomentum.Factors f = sketchOf(new DMatrixRMaj(20, 15), 3, 1);
        assertArrayEquals(new double[3], f.s().toDoubleArray(), 0.0);
        assertTrue(orthonormalityError(f.u()) < 1e-12);
        assertTrue(orthonormalityError(f.v()) < 1e-12);
    }

    // ---------------------------------------------------------------- the optimizer's first fused step

    private static final int M = 40;
    private static final int N = 30;
    private static final int ROWS = 5;

    /** loss = Σ tanh(X·W) ⊙ Y with X [5, 40]: G = Xᵀ·(...) has rank ≤ 5 per micro-batch. */
    private static void microBatch(Variable w, Tensor x, Tensor y) {
        ReduceFns.sum(ElementwiseFns.mul(ElementwiseFns.tanh(MatmulFns.matmul(Variable.constant(x), w)),
                Variable.constant(y))).backward();
    }

    @Test
    void firstFusedStepFollowsTheUnfusedOneWhenTheGradientFitsTheSketch() {
        // r = 2 → k = 12 < min(40, 30), so the sketch is not the whole space; two micro-batches of 5 rows give
        // rank(G₁) ≤ 10 ≤ k, so Ĝ₁ = G₁ and the fused run must follow the exact unfused one at every step
        Rng rng = new Rng(21);
        Tensor start = rng.normal(DType.F64, 0, 0.5, M, N);
        Variable fusedW = Variable.parameter(start.copy(), "w");
        Variable plainW = Variable.parameter(start.copy(), "w");
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.05, 2).withBeta(0.8);
        MoFaSgd fused = new MoFaSgd(List.of(fusedW), c);
        MoFaSgd plain = new MoFaSgd(List.of(plainW), c);
        fused.attach();
        for (int t = 0; t < 4; t++) {
            for (int k = 0; k < 2; k++) {
                Tensor x = rng.normal(DType.F64, 0, 1, ROWS, M);
                Tensor y = rng.normal(DType.F64, 0, 1, ROWS, N);
                microBatch(fusedW, x, y);
                microBatch(plainW, x, y);
            }
            fused.step();
            plain.step();
            plain.zeroGrad();
            double err = Dense.relErr(Dense.of(fusedW.value()), Dense.of(plainW.value()));
            assertTrue(err < 1e-9, "step " + t + ": weights differ by " + err);
            assertTrue(Dense.relErr(Dense.momentum(fused.factors(fusedW)), Dense.momentum(plain.factors(plainW)))
                    < 1e-9, "step " + t);
        }
    }

    @Test
    void firstFusedStepKeepsOnlyTheSketchAndItRoundTripsThroughTheStateDict() {
        Rng rng = new Rng(22);
        Tensor start = rng.normal(0, 1, M, N);
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.05, 2);
        Variable w = Variable.parameter(start.copy(), "w");
        MoFaSgd first = new MoFaSgd(List.of(w), c);
        first.attach();
        microBatch(w, rng.normal(0, 1, 8, M), rng.normal(0, 1, 8, N));
        assertNull(w.grad());
        Map<String, Tensor> saved = new LinkedHashMap<>();
        first.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        assertArrayEquals(new int[] {M, 12}, saved.get("w.SketchY").shape(), "G·Ω, k = 2 + 10");
        assertArrayEquals(new int[] {N, 25}, saved.get("w.SketchW").shape(), "Gᵀ·Ψ, l = 2k + 1");
        assertEquals((M * 12L + N * 25L) * 4, first.stateBytes());

        Variable w2 = Variable.parameter(start.copy(), "w");
        MoFaSgd second = new MoFaSgd(List.of(w2), c);
        second.loadStateDict(saved);
        first.step();
        second.step();
        assertArrayEquals(w.value().toFloatArray(), w2.value().toFloatArray());
        assertFalse(first.stateDict().containsKey("w.SketchY"), "the sketch is gone after the step");
        assertEquals(2L * (M + N + 1) * 4, first.stateBytes());

        Map<String, Tensor> bad = new LinkedHashMap<>(saved);
        bad.put("w.SketchW", Tensor.zeros(N, 24));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MoFaSgd(List.of(Variable.parameter(start.copy(), "w")), c).loadStateDict(bad));
        assertTrue(e.getMessage().contains("w.SketchW") && e.getMessage().contains("[30, 25]"), e.getMessage());
    }

    @Test
    void nonFiniteFirstGradientIsCaughtInTheSketchBeforeAnyUpdate() {
        Rng rng = new Rng(23);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "w");
        double[] before = w.value().toDoubleArray();
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 2));
        opt.attach();
        Tensor y = rng.normal(DType.F64, 0, 1, ROWS, N);
        y.setFlat(3, Double.NaN);
        microBatch(w, rng.normal(DType.F64, 0, 1, ROWS, M), y);
        ArithmeticException e = assertThrows(ArithmeticException.class, opt::step);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("sketch"), e.getMessage());
        assertArrayEquals(before, w.value().toDoubleArray(), 0.0);

        opt.setNonFiniteGradPolicy(Optimizer.NonFiniteGradPolicy.SKIP_STEP);
        opt.step();
        assertEquals(1, opt.skippedSteps());
        assertNull(opt.factors(w));
        assertEquals(0L, opt.stateBytes(), "the bad sketch was dropped");
        microBatch(w, rng.normal(DType.F64, 0, 1, ROWS, M), rng.normal(DType.F64, 0, 1, ROWS, N));
        opt.step();
        assertFalse(java.util.Arrays.equals(before, w.value().toDoubleArray()));
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * The momentum factors against a dense float64 oracle (EJML): every step is
 * M_t = SVD_r(β·M_{t−1} + P_T(G_t)); gradient init gives M₁ = SVD_r(G₁); the factors stay orthonormal and
 * sorted; a zero gradient only decays the momentum. Comparisons use U·diag(S)·Vᵀ, which is sign and
 * rotation invariant.
 */
class MoFaSgdUmfTest {

    /** Dense float64 reference algebra on EJML, independent of the optimizer's factored path. */
    static final class Dense {
        private Dense() {}

        static DMatrixRMaj of(Tensor t) {
            return DMatrixRMaj.wrap(t.dim(0), t.dim(1), t.toDoubleArray());
        }

        static Tensor tensor(DMatrixRMaj x, DType dtype) {
            return Tensor.of(x.data.clone(), x.numRows, x.numCols).to(dtype);
        }

        static DMatrixRMaj mul(DMatrixRMaj a, DMatrixRMaj b) {
            DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
            CommonOps_DDRM.mult(a, b, c);
            return c;
        }

        static DMatrixRMaj add(double alpha, DMatrixRMaj a, double beta, DMatrixRMaj b) {
            DMatrixRMaj c = new DMatrixRMaj(a.numRows, a.numCols);
            CommonOps_DDRM.add(alpha, a, beta, b, c);
            return c;
        }

        /** X·Xᵀ for a matrix with orthonormal columns: the projector onto its span. */
        static DMatrixRMaj projector(DMatrixRMaj x) {
            DMatrixRMaj p = new DMatrixRMaj(x.numRows, x.numRows);
            CommonOps_DDRM.multTransB(x, x, p);
            return p;
        }

        /** P_T(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ. */
        static DMatrixRMaj tangent(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj g) {
            DMatrixRMaj pu = projector(u);
            DMatrixRMaj pv = projector(v);
            DMatrixRMaj pug = mul(pu, g);
            return add(1, add(1, pug, 1, mul(g, pv)), -1, mul(pug, pv));
        }

        /** (I − UUᵀ)·G·(I − VVᵀ). */
        static DMatrixRMaj normal(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj g) {
            return add(1, g, -1, tangent(u, v, g));
        }

        /** Singular values (descending), left and right vectors of x, from a full dense SVD. */
        record Svd(DMatrixRMaj u, double[] s, DMatrixRMaj v) {
            /** The best rank-r approximation Σ_{i<r} s_i·u_i·v_iᵀ. */
            DMatrixRMaj truncated(int r) {
                DMatrixRMaj out = new DMatrixRMaj(u.numRows, v.numRows);
                for (int i = 0; i < r; i++) {
                    addOuter(out, i, s[i]);
                }
                return out;
            }

            /** Σ_{i<r} w_i·u_i·v_iᵀ: sign invariant, unique when the first r+1 values are distinct. */
            DMatrixRMaj weighted(double[] w) {
                DMatrixRMaj out = new DMatrixRMaj(u.numRows, v.numRows);
                for (int i = 0; i < w.length; i++) {
                    addOuter(out, i, w[i]);
                }
                return out;
            }

            private void addOuter(DMatrixRMaj out, int i, double w) {
                for (int a = 0; a < out.numRows; a++) {
                    for (int b = 0; b < out.numCols; b++) {
                        out.add(a, b, w * u.get(a, i) * v.get(b, i));
                    }
                }
            }
        }

        static Svd svd(DMatrixRMaj x) {
            SingularValueDecomposition_F64<DMatrixRMaj> d =
                    DecompositionFactory_DDRM.svd(x.numRows, x.numCols, true, true, true);
            assertTrue(d.decompose(x.copy()));
            DMatrixRMaj u = d.getU(null, false);
            DMatrixRMaj v = d.getV(null, false);
            double[] s = d.getSingularValues().clone();
            SingularOps_DDRM.descendingOrder(u, false, s, Math.min(x.numRows, x.numCols), v, false);
            return new Svd(u, s, v);
        }

        /** max |a − b| / max(|b|, tiny): relative to the oracle's largest entry. */
        static double relErr(DMatrixRMaj a, DMatrixRMaj b) {
            double scale = Math.max(CommonOps_DDRM.elementMaxAbs(b), 1e-300);
            return CommonOps_DDRM.elementMaxAbs(add(1, a, -1, b)) / scale;
        }

        static DMatrixRMaj momentum(MoFaSgd.Factors f) {
            return of(f.momentum());
        }

        /** A random m×n matrix with singular values σ (rank σ.length), as P·diag(σ)·Qᵀ. */
        static DMatrixRMaj withSpectrum(Rng rng, int m, int n, double... sigma) {
            DMatrixRMaj p = orthonormal(rng, m, sigma.length);
            DMatrixRMaj q = orthonormal(rng, n, sigma.length);
            DMatrixRMaj ps = p.copy();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < sigma.length; j++) {
                    ps.set(i, j, p.get(i, j) * sigma[j]);
                }
            }
            DMatrixRMaj out = new DMatrixRMaj(m, n);
            CommonOps_DDRM.multTransB(ps, q, out);
            return out;
        }

        static DMatrixRMaj orthonormal(Rng rng, int rows, int cols) {
            var qr = DecompositionFactory_DDRM.qr(rows, cols);
            qr.decompose(of(rng.normal(DType.F64, 0, 1, rows, cols)));
            return qr.getQ(null, true);
        }
    }

    /** Sets p's gradient, steps, frees the gradient. */
    static void stepWith(StatefulOptimizer opt, Variable p, Tensor grad) {
        p.setGrad(grad);
        opt.step();
        p.zeroGrad();
    }

    private static Variable matrix(Rng rng, String name, DType dtype, int m, int n) {
        return Variable.parameter(rng.normal(dtype, 0, 1, m, n), name);
    }

    @ParameterizedTest(name = "{0}×{1}, rank {2}, {3}")
    @CsvSource({
        "12, 9, 3, GRADIENT", "7, 5, 4, GRADIENT", "1, 9, 2, GRADIENT", "3, 6, 5, GRADIENT", "9, 20, 2, GRADIENT",
        "10, 8, 3, WEIGHT_SVD", "7, 5, 4, WEIGHT_SVD"
    })
    void everyStepIsTheBestRankRApproximationOfTheDecayedMomentumPlusTheTangentProjection(int m, int n, int rank,
            MoFaSgd.Init init) {
        Rng rng = new Rng(11L * m + n);
        Variable w = matrix(rng, "w", DType.F64, m, n);
        double beta = 0.8;
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.0, rank).withBeta(beta).withInit(init));
        int r = Math.min(rank, Math.min(m, n));
        assertEquals(r, opt.rank(w));
        DMatrixRMaj weight = Dense.of(w.value());
        for (int t = 1; t <= 12; t++) {
            Tensor g = rng.normal(DType.F64, 0, 1, m, n);
            MoFaSgd.Factors before = opt.factors(w);
            stepWith(opt, w, g);
            DMatrixRMaj expected;
            if (before != null) {
                DMatrixRMaj candidate = Dense.add(beta, Dense.momentum(before), 1,
                        Dense.tangent(Dense.of(before.u()), Dense.of(before.v()), Dense.of(g)));
                expected = Dense.svd(candidate).truncated(r);
            } else if (init == MoFaSgd.Init.GRADIENT) {
                expected = Dense.svd(Dense.of(g)).truncated(r); // M₁ = SVD_r(G₁)
            } else {
                Dense.Svd ws = Dense.svd(weight); // M₀ = W_r, tangent space at W's top-r vectors
                DMatrixRMaj ur = CommonOps_DDRM.extract(ws.u(), 0, m, 0, r);
                DMatrixRMaj vr = CommonOps_DDRM.extract(ws.v(), 0, n, 0, r);
                DMatrixRMaj candidate = Dense.add(beta, ws.truncated(r), 1, Dense.tangent(ur, vr, Dense.of(g)));
                expected = Dense.svd(candidate).truncated(r);
            }
            double err = Dense.relErr(Dense.momentum(opt.factors(w)), expected);
            assertTrue(err < 1e-10, "step " + t + ": relative error " + err);
        }
        assertEquals(0.0, Dense.relErr(Dense.of(w.value()), weight), "lr = 0 leaves W alone");
    }

    @ParameterizedTest(name = "{0}×{1}, rank {2}, signal rank {3}")
    @CsvSource({"5, 4, 4, 4", "13, 10, 3, 2"})
    void factorsEqualTheDenseSumFormMomentumWhenTheGradientsFitInRankR(int m, int n, int rank, int k) {
        // Full rank (r = min(m, n)), or every G_t = A·X_t·Bᵀ of rank k ≤ r with gradient init: nothing is
        // truncated, so M_t = Σ_s β^{t−s}·G_s exactly.
        Rng rng = new Rng(m * 31L + k);
        DMatrixRMaj left = Dense.orthonormal(rng, m, k);
        DMatrixRMaj right = Dense.orthonormal(rng, n, k);
        Variable w = matrix(rng, "w", DType.F64, m, n);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.01, rank).withBeta(0.9));
        DMatrixRMaj dense = new DMatrixRMaj(m, n);
        for (int t = 0; t < 15; t++) {
            DMatrixRMaj core = Dense.of(rng.normal(DType.F64, 0, 1, k, k));
            DMatrixRMaj g = new DMatrixRMaj(m, n);
            CommonOps_DDRM.multTransB(Dense.mul(left, core), right, g);
            dense = Dense.add(0.9, dense, 1, g);
            stepWith(opt, w, Dense.tensor(g, DType.F64));
            double err = Dense.relErr(Dense.momentum(opt.factors(w)), dense);
            assertTrue(err < 1e-12, "step " + t + ": " + err);
        }
    }

    @Test
    void gradientInitGivesTheTruncatedSvdOfTheFirstGradientCountedOnce() {
        Rng rng = new Rng(3);
        Variable w = matrix(rng, "w", DType.F64, 14, 10);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.1, 4).withBeta(0.9));
        Tensor g = rng.normal(DType.F64, 0, 1, 14, 10);
        stepWith(opt, w, g);
        Dense.Svd oracle = Dense.svd(Dense.of(g));
        MoFaSgd.Factors f = opt.factors(w);
        // (1+β)·G_r would be the double-counting mistake; the result must be G_r itself.
        assertTrue(Dense.relErr(Dense.momentum(f), oracle.truncated(4)) < 1e-12);
        for (int i = 0; i < 4; i++) {
            assertEquals(oracle.s()[i], f.s().getFlat(i), 1e-12 * oracle.s()[0]);
        }
    }

    @Test
    void randomisedInitialSvdOfALargeMatrixStillGivesTheTruncatedSvdOfALowRankGradient() {
        // 300×400: m·n·min(m, n) is above the exact-SVD budget, so the range finder runs.
        int m = 300;
        int n = 400;
        assertTrue((long) m * n * m > LowRankMomentum.EXACT_SVD_WORK);
        Rng rng = new Rng(5);
        Variable w = matrix(rng, "big", DType.F64, m, n);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.0, 4));
        DMatrixRMaj g = Dense.add(1, Dense.withSpectrum(rng, m, n, 9, 7, 4, 2), 1e-3,
                Dense.of(rng.normal(DType.F64, 0, 1, m, n)));
        stepWith(opt, w, Dense.tensor(g, DType.F64));
        double err = Dense.relErr(Dense.momentum(opt.factors(w)), Dense.svd(g).truncated(4));
        assertTrue(err < 1e-8, "relative error " + err);
    }

    @Test
    void factorsStayOrthonormalAndSortedOverManyFloat32Steps() {
        Rng rng = new Rng(8);
        Variable w = matrix(rng, "w", DType.F32, 40, 30);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(1e-3, 6).withBeta(0.95));
        DMatrixRMaj signal = Dense.withSpectrum(rng, 40, 30, 3, 2, 1);
        for (int t = 0; t < 300; t++) {
            DMatrixRMaj g = Dense.add(1, signal, 0.3, Dense.of(rng.normal(DType.F64, 0, 1, 40, 30)));
            stepWith(opt, w, Dense.tensor(g, DType.F32));
        }
        MoFaSgd.Factors f = opt.factors(w);
        assertEquals(DType.F32, f.u().dtype());
        for (Tensor x : List.of(f.u(), f.v())) {
            DMatrixRMaj q = Dense.of(x);
            DMatrixRMaj gram = new DMatrixRMaj(6, 6);
            CommonOps_DDRM.multTransA(q, q, gram);
            double dev = CommonOps_DDRM.elementMaxAbs(Dense.add(1, gram, -1, CommonOps_DDRM.identity(6)));
            assertTrue(dev <= 1e-5, "‖QᵀQ − I‖max = " + dev);
        }
        for (int i = 0; i < 6; i++) {
            assertTrue(f.s().getFlat(i) >= 0);
            assertTrue(i == 0 || f.s().getFlat(i) <= f.s().getFlat(i - 1), "S descending");
        }
    }

    @Test
    void zeroFirstGradientLeavesZeroMomentumAndTheWeightsUntouched() {
        Rng rng = new Rng(9);
        Variable w = matrix(rng, "w", DType.F32, 6, 4);
        Tensor before = w.value().copy();
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.5, 2));
        stepWith(opt, w, Tensor.zeros(6, 4));
        MoFaSgd.Factors f = opt.factors(w);
        for (Tensor x : List.of(f.u(), f.s(), f.v())) {
            for (float e : x.toFloatArray()) {
                assertFalse(Float.isNaN(e));
            }
        }
        assertEquals(0.0, f.s().norm());
        assertEquals(0.0, Dense.relErr(Dense.of(w.value()), Dense.of(before)));
    }

    @Test
    void zeroGradientOnlyDecaysTheMomentumByBeta() {
        Rng rng = new Rng(10);
        Variable w = matrix(rng, "w", DType.F64, 9, 7);
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.1, 3).withBeta(0.7));
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 9, 7));
        stepWith(opt, w, rng.normal(DType.F64, 0, 1, 9, 7));
        DMatrixRMaj old = Dense.momentum(opt.factors(w));
        stepWith(opt, w, Tensor.zeros(DType.F64, 9, 7)); // G·V = 0 and Gᵀ·U = 0: zero QR columns
        MoFaSgd.Factors f = opt.factors(w);
        assertTrue(Dense.relErr(Dense.momentum(f), Dense.add(0.7, old, 0, old)) < 1e-12);
        for (double e : w.value().toDoubleArray()) {
            assertFalse(Double.isNaN(e));
        }
    }
}

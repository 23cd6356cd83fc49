package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.GaLore.EpsilonPlacement;
import org.mofa4j.optim.GaLore.ProjectionType;
import org.mofa4j.optim.GaLoreProjector.Side;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * GaLore against oracles that do not share its code path: gradients with a planted SVD (random orthonormal
 * factors from EJML's QR and chosen singular values) for the projector, and a float64 reference written from the
 * update equations in the class comment for the projected Adam.
 */
class GaLoreTest {

    // ---------------------------------------------------------------- float64 helpers (row-major arrays)

    /** a [p, q] · b [q, s]; transposeA / transposeB read the operand as its transpose. */
    static double[] mm(double[] a, boolean transposeA, double[] b, boolean transposeB, int p, int q, int s) {
        double[] out = new double[p * s];
        for (int i = 0; i < p; i++) {
            for (int k = 0; k < q; k++) {
                double aik = transposeA ? a[k * p + i] : a[i * q + k];
                for (int j = 0; j < s; j++) {
                    out[i * s + j] += aik * (transposeB ? b[j * q + k] : b[k * s + j]);
                }
            }
        }
        return out;
    }

    /** A random m×k matrix with orthonormal columns (Q of a Gaussian matrix's QR). */
    static double[] orthonormal(Rng rng, int m, int k) {
        DMatrixRMaj a = new DMatrixRMaj(m, k, true, rng.normal(DType.F64, 0, 1, m, k).toDoubleArray());
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, k);
        assertTrue(qr.decompose(a));
        return qr.getQ(null, true).getData();
    }

    /** A gradient with a planted SVD: G = Q1·diag(s)·Q2ᵀ with Q1 [m, k], Q2 [n, k], k = min(m, n). */
    record Planted(int m, int n, double[] q1, double[] s, double[] q2) {
        static Planted random(Rng rng, int m, int n, double[] s) {
            int k = Math.min(m, n);
            return new Planted(m, n, orthonormal(rng, m, k), s, orthonormal(rng, n, k));
        }

        /** Σ_{i < r} s_i·q1_i·q2_iᵀ: the best rank-r approximation (Eckart–Young). */
        double[] truncated(int r) {
            int k = Math.min(m, n);
            double[] out = new double[m * n];
            for (int l = 0; l < r; l++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        out[i * n + j] += s[l] * q1[i * k + l] * q2[j * k + l];
                    }
                }
            }
            return out;
        }

        Tensor gradient(DType dtype) {
            return Tensor.of(truncated(Math.min(m, n)), m, n).to(dtype);
        }

        /** The orthogonal projector onto the span of the first r columns of q [d, k]: d×d. */
        static double[] spanProjector(double[] q, int d, int k, int r) {
            double[] out = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double sum = 0;
                    for (int l = 0; l < r; l++) {
                        sum += q[i * k + l] * q[j * k + l];
                    }
                    out[i * d + j] = sum;
                }
            }
            return out;
        }
    }

    static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static final double[] SPECTRUM = {9, 7, 5, 3, 2, 1, 0.5};

    private static GaLore.Config config(int rank) {
        return GaLore.Config.defaults(1e-2, rank);
    }

    // ---------------------------------------------------------------- projector

    @ParameterizedTest
    @MethodSource("projectorCases")
    void projectorSpansTheTopRSingularVectorsOfTheGradient(int m, int n, ProjectionType type, Side expected) {
        Planted g = Planted.random(new Rng(21), m, n, SPECTRUM);
        int r = 3;
        Variable p = Variable.parameter(Tensor.zeros(DType.F64, m, n), "w");
        GaLore opt = new GaLore(List.of(p), config(r).withProjection(type));
        assertNull(opt.projector(p));
        p.setGrad(g.gradient(DType.F64));
        opt.step();
        GaLoreProjector proj = opt.projector(p);
        assertEquals(expected, proj.side());
        assertEquals(r, proj.rank());
        int k = Math.min(m, n);
        // Sign-invariant: compare U_r·U_rᵀ and V_r·V_rᵀ with the planted spans (the spectrum has gaps).
        if (expected != Side.RIGHT) {
            double[] u = proj.u().toDoubleArray();
            assertTrue(maxAbsDiff(Planted.spanProjector(g.q1(), m, k, r), mm(u, false, u, true, m, r, m)) < 1e-12);
        } else {
            assertNull(proj.u());
        }
        if (expected != Side.LEFT) {
            double[] vt = proj.vt().toDoubleArray();
            assertTrue(maxAbsDiff(Planted.spanProjector(g.q2(), n, k, r), mm(vt, true, vt, false, n, r, n)) < 1e-12);
        } else {
            assertNull(proj.vt());
        }
    }

    static Stream<Object[]> projectorCases() {
        return Stream.of(
                new Object[] {12, 7, ProjectionType.STD, Side.RIGHT},      // tall: right, as the code does
                new Object[] {7, 12, ProjectionType.STD, Side.LEFT},       // wide: left
                new Object[] {7, 7, ProjectionType.STD, Side.RIGHT},       // square: code picks right ...
                new Object[] {7, 7, ProjectionType.PAPER, Side.LEFT},      // ... the paper's Alg. 2 left
                new Object[] {12, 7, ProjectionType.REVERSE_STD, Side.LEFT},
                new Object[] {7, 12, ProjectionType.REVERSE_STD, Side.RIGHT},
                new Object[] {7, 12, ProjectionType.RIGHT, Side.RIGHT},
                new Object[] {12, 7, ProjectionType.LEFT, Side.LEFT},
                new Object[] {12, 7, ProjectionType.FULL, Side.TWO_SIDED});
    }

    @Test
    void backProjectionOfTheProjectionIsTheBestRankRApproximation() {
        Planted g = Planted.random(new Rng(5), 10, 7, SPECTRUM);
        Tensor grad = g.gradient(DType.F64);
        for (Side side : Side.values()) {
            for (int r : new int[] {1, 3, 7}) {
                GaLoreProjector proj = GaLoreProjector.fromGradient(grad, side, r);
                double[] approx = proj.projectBack(proj.project(grad)).toDoubleArray();
                assertTrue(maxAbsDiff(g.truncated(r), approx) < 1e-12, side + " r=" + r);
            }
        }
        // r = min(m, n) reproduces G itself; a rank above it is clipped.
        GaLoreProjector full = GaLoreProjector.fromGradient(grad, Side.RIGHT, 100);
        assertEquals(7, full.rank());
        assertTrue(maxAbsDiff(grad.toDoubleArray(), full.projectBack(full.project(grad)).toDoubleArray()) < 1e-12);
    }

    @Test
    void projectorIsRefreshedExactlyAtCalls1AndTPlus1AndKeptBitIdenticalInBetween() {
        Rng rng = new Rng(8);
        int gap = 3;
        Variable p = Variable.parameter(rng.normal(0, 1, 9, 6), "w");
        GaLore opt = new GaLore(List.of(p), config(2).withUpdateProjGap(gap));
        float[] previous = null;
        for (int call = 1; call <= 8; call++) {
            Tensor grad = rng.normal(0, 1, 9, 6);
            p.setGrad(grad);
            opt.step();
            float[] now = opt.projector(p).vt().toFloatArray();
            boolean refreshCall = (call - 1) % gap == 0;
            assertEquals((call - 1) / gap + 1, opt.projectorRefreshes(p), "refreshes after call " + call);
            if (refreshCall) {
                assertArrayEquals(GaLoreProjector.fromGradient(grad, Side.RIGHT, 2).vt().toFloatArray(), now,
                        "call " + call + " uses this call's gradient");
                if (previous != null) {
                    assertFalse(Arrays.equals(previous, now), "call " + call + " must change the projector");
                }
            } else {
                assertArrayEquals(previous, now, "call " + call + " keeps the projector");
            }
            previous = now;
        }
        assertEquals(3, opt.projectorRefreshes());
    }

    // ---------------------------------------------------------------- projected Adam

    /** One reference case: shape, rank, projection, ε placement, weight decay. */
    record AdamCase(int m, int n, int rank, ProjectionType type, EpsilonPlacement eps, double weightDecay) {}

    static Stream<AdamCase> adamCases() {
        return Stream.of(
                new AdamCase(10, 6, 3, ProjectionType.STD, EpsilonPlacement.CODE, 0.1),
                new AdamCase(6, 10, 3, ProjectionType.STD, EpsilonPlacement.PAPER, 0),
                new AdamCase(8, 8, 8, ProjectionType.REVERSE_STD, EpsilonPlacement.CODE, 0.05), // square, full rank
                new AdamCase(10, 6, 2, ProjectionType.FULL, EpsilonPlacement.CODE, 0.1),
                new AdamCase(7, 9, 20, ProjectionType.RIGHT, EpsilonPlacement.PAPER, 0.1));     // rank clipped to 7
    }

    @ParameterizedTest
    @MethodSource("adamCases")
    void projectedAdamMatchesFloat64ReferenceOverSeveralSteps(AdamCase c) {
        Rng rng = new Rng(31);
        int m = c.m();
        int n = c.n();
        GaLore.Config cfg = new GaLore.Config(2e-2, 0.85, 0.98, 1e-3, c.weightDecay(), c.rank(), 2, 0.5, c.type(),
                c.eps());
        Variable p = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        GaLore opt = new GaLore(List.of(p), cfg);

        double[] w = p.value().toDoubleArray();
        double[] mom = null;
        double[] sq = null;
        for (int t = 1; t <= 5; t++) {
            double lr = cfg.lr() * (t == 4 ? 0.5 : 1.0);
            opt.setLrScale(t == 4 ? 0.5 : 1.0);
            Tensor grad = rng.normal(DType.F64, 0, 0.1, m, n);
            p.setGrad(grad);
            opt.step();
            GaLoreProjector proj = opt.projector(p); // the projector this step used (it changes only at refreshes)
            int r = proj.rank();
            assertEquals(Math.min(c.rank(), Math.min(m, n)), r);
            double[] u = proj.u() == null ? null : proj.u().toDoubleArray();
            double[] vt = proj.vt() == null ? null : proj.vt().toDoubleArray();
            double[] g = grad.toDoubleArray();
            double[] low = switch (proj.side()) {
                case LEFT -> mm(u, true, g, false, r, m, n);                              // Uᵀ·G [r, n]
                case RIGHT -> mm(g, false, vt, true, m, n, r);                            // G·V  [m, r]
                case TWO_SIDED -> mm(mm(u, true, g, false, r, m, n), false, vt, true, r, n, r);
            };
            if (mom == null) {
                mom = new double[low.length];
                sq = new double[low.length];
            }
            double bc1 = 1 - Math.pow(cfg.beta1(), t);
            double bc2 = 1 - Math.pow(cfg.beta2(), t);
            double[] normalized = new double[low.length];
            for (int i = 0; i < low.length; i++) {
                mom[i] = cfg.beta1() * mom[i] + (1 - cfg.beta1()) * low[i];
                sq[i] = cfg.beta2() * sq[i] + (1 - cfg.beta2()) * low[i] * low[i];
                normalized[i] = c.eps() == EpsilonPlacement.CODE
                        ? mom[i] / (Math.sqrt(sq[i]) + cfg.eps())
                        : (mom[i] / bc1) / (Math.sqrt(sq[i] / bc2) + cfg.eps());
            }
            double stepSize = c.eps() == EpsilonPlacement.CODE ? lr * Math.sqrt(bc2) / bc1 : lr;
            double[] back = switch (proj.side()) {
                case LEFT -> mm(u, false, normalized, false, m, r, n);
                case RIGHT -> mm(normalized, false, vt, false, m, r, n);
                case TWO_SIDED -> mm(u, false, mm(normalized, false, vt, false, r, r, n), false, m, r, n);
            };
            for (int i = 0; i < w.length; i++) {
                w[i] -= stepSize * cfg.scale() * back[i];
                w[i] -= lr * cfg.weightDecay() * w[i]; // after the update, as the reference code does
            }
            assertTrue(maxAbsDiff(w, p.value().toDoubleArray()) < 1e-13, c + " step " + t);
        }
        assertEquals(3, opt.projectorRefreshes(p)); // calls 1, 3, 5
    }

    @Test
    void float32RunStaysCloseToTheFloat64Run() {
        Rng rng = new Rng(2);
        Tensor w0 = rng.normal(DType.F64, 0, 1, 12, 8);
        GaLore.Config cfg = config(4).withUpdateProjGap(3).withWeightDecay(0.1);
        Variable p64 = Variable.parameter(w0.copy(), "w");
        Variable p32 = Variable.parameter(w0.to(DType.F32), "w");
        GaLore o64 = new GaLore(List.of(p64), cfg);
        GaLore o32 = new GaLore(List.of(p32), cfg);
        for (int t = 0; t < 6; t++) {
            Tensor g = rng.normal(DType.F64, 0, 1, 12, 8).to(DType.F32).to(DType.F64); // exactly representable
            p64.setGrad(g);
            p32.setGrad(g.to(DType.F32));
            o64.step();
            o32.step();
        }
        assertTrue(maxAbsDiff(p64.value().toDoubleArray(), p32.value().toDoubleArray()) < 1e-5);
    }

    /**
     * The identity: with r = min(m, n) the projector is a full orthogonal matrix. For a tall W (right side) with
     * V = V_r [n, n] fixed after the first call (T larger than the run), R_k = G_k·V and the update is
     * −η·α·N·Vᵀ. So Y = W·V receives exactly −η·N: with α = 1 and ε placed as in the paper, Y follows PyTorch's
     * AdamW (λ = 0) on the rotated gradients G_k·V. Likewise Y = Uᵀ·W for a wide W. Plain Adam on W itself would
     * differ, because Adam's element-wise second moment is not rotation invariant.
     */
    @Test
    void fullRankWithUnitScaleIsAdamOnTheRotatedCoordinates() {
        for (int[] shape : new int[][] {{9, 5}, {5, 9}}) {
            int m = shape[0];
            int n = shape[1];
            boolean tall = m >= n;
            int k = Math.min(m, n);
            Rng rng = new Rng(13);
            Tensor w0 = rng.normal(DType.F64, 0, 1, m, n);
            GaLore.Config cfg = new GaLore.Config(1e-2, 0.9, 0.999, 1e-8, 0, k, 1000, 1.0, ProjectionType.STD,
                    EpsilonPlacement.PAPER);
            Variable w = Variable.parameter(w0.copy(), "w");
            GaLore galore = new GaLore(List.of(w), cfg);
            Variable y = null;
            AdamW adam = null;
            Tensor rotation = null; // V [n, n] (tall) or U [m, m] (wide)
            for (int t = 1; t <= 6; t++) {
                Tensor g = rng.normal(DType.F64, 0, 1, m, n);
                w.setGrad(g);
                galore.step();
                if (t == 1) {
                    GaLoreProjector proj = galore.projector(w);
                    rotation = tall ? proj.vt().t().contiguous() : proj.u();
                    y = Variable.parameter(tall ? w0.matmul(rotation) : rotation.t().matmul(w0), "y");
                    adam = new AdamW(List.of(y), new AdamW.Config(cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), 0));
                }
                y.setGrad(tall ? g.matmul(rotation) : rotation.t().matmul(g));
                adam.step();
                Tensor rotatedW = tall ? w.value().matmul(rotation) : rotation.t().matmul(w.value());
                assertTrue(maxAbsDiff(y.value().toDoubleArray(), rotatedW.toDoubleArray()) < 1e-12,
                        m + "x" + n + " step " + t);
            }
            assertEquals(1, galore.projectorRefreshes());
        }
    }

    // ---------------------------------------------------------------- validation, state

    @Test
    void configRejectsBadValuesWithMessagesNamingTheField() {
        GaLore.Config ok = config(4);
        assertEquals("GaLore: rank must be ≥ 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> ok.withRank(0)).getMessage());
        assertEquals("GaLore: updateProjGap must be ≥ 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> ok.withUpdateProjGap(0)).getMessage());
        assertEquals("GaLore: scale must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> ok.withScale(0)).getMessage());
        assertEquals("GaLore: weightDecay must be finite and ≥ 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> ok.withWeightDecay(-0.1)).getMessage());
        assertEquals("GaLore: beta1 must be in [0.0, 1.0), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new GaLore.Config(1e-2, 1, 0.999, 1e-6, 0, 4, 200,
                        0.25, ProjectionType.STD, EpsilonPlacement.CODE)).getMessage());
        assertEquals("GaLore: eps must be finite and > 0, got -1.0E-6",
                assertThrows(IllegalArgumentException.class, () -> new GaLore.Config(1e-2, 0.9, 0.999, -1e-6, 0, 4,
                        200, 0.25, ProjectionType.STD, EpsilonPlacement.CODE)).getMessage());
        assertEquals("GaLore: projection and epsilonPlacement must not be null, got null and CODE",
                assertThrows(IllegalArgumentException.class, () -> ok.withProjection(null)).getMessage());
    }

    @Test
    void defaultsFollowTheReadmeRecipe() {
        GaLore.Config c = GaLore.Config.defaults(0.01, 128);
        assertEquals(new GaLore.Config(0.01, 0.9, 0.999, 1e-6, 0, 128, 200, 0.25, ProjectionType.STD,
                EpsilonPlacement.CODE), c);
    }

    @Test
    void nonMatrixParametersAreRejected() {
        Variable bias = Variable.parameter(Tensor.zeros(8), "ln_f.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GaLore(List.of(bias), config(2)));
        assertEquals("GaLore: parameter 'ln_f.bias' has shape [8]; GaLore projects 2-D matrices only, so give it to "
                + "another optimizer (GaLore.withAdamWFallback, ParameterRouting)", e.getMessage());
    }

    @Test
    void nonFiniteGradientIsReportedInsteadOfAnSvdFailure() {
        Variable p = Variable.parameter(Tensor.zeros(4, 3), "w");
        GaLore opt = new GaLore(List.of(p), config(2));
        Tensor g = Tensor.ones(4, 3);
        g.set(Double.NaN, 2, 1);
        p.setGrad(g);
        // The optimizer's pre-step check (Optimizer.checkBeforeStep) reports it first, naming the element...
        ArithmeticException first = assertThrows(ArithmeticException.class, opt::step);
        assertTrue(first.getMessage().startsWith("GaLore: the gradient of parameter 'w' [4, 3] is NaN at flat index 7 "
                + "([2, 1])"), first.getMessage());
        // ...and the projector still refuses a non-finite matrix when called directly.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GaLoreProjector.fromGradient(g, GaLoreProjector.Side.RIGHT, 2));
        assertEquals("GaLoreProjector: the gradient [4, 3] holds NaN or Inf, so it has no SVD", e.getMessage());
    }

    @Test
    void foreignParameterIsRefusedByTheDiagnostics() {
        GaLore opt = new GaLore(List.of(Variable.parameter(Tensor.zeros(4, 3), "w")), config(2));
        Variable other = Variable.parameter(Tensor.zeros(4, 3), "other");
        assertEquals("GaLore: parameter 'other' is not updated by this optimizer",
                assertThrows(IllegalArgumentException.class, () -> opt.projector(other)).getMessage());
    }

    @Test
    void stateBytesAreTheProjectorPlusTwoProjectedMoments() {
        // name, shape, projection → exact float count (r = 3 unless clipped)
        record Case(int m, int n, int rank, ProjectionType type, long floats) {}
        List<Case> cases = List.of(
                new Case(12, 5, 3, ProjectionType.STD, 3 * 5 + 2 * 3 * 12),       // r·min + 2r·max
                new Case(5, 12, 3, ProjectionType.STD, 3 * 5 + 2 * 3 * 12),
                new Case(12, 5, 3, ProjectionType.REVERSE_STD, 12 * 3 + 2 * 3 * 5), // r·max + 2r·min
                new Case(12, 5, 3, ProjectionType.FULL, 12 * 3 + 3 * 5 + 2 * 3 * 3),
                new Case(12, 5, 10, ProjectionType.STD, 5 * 5 + 2 * 5 * 12));     // rank clipped to 5
        for (Case c : cases) {
            for (DType dtype : DType.values()) {
                Variable p = Variable.parameter(Tensor.zeros(dtype, c.m(), c.n()), "w");
                GaLore opt = new GaLore(List.of(p), config(c.rank()).withProjection(c.type()));
                assertEquals(0, opt.stateBytes());
                p.setGrad(new Rng(1).normal(dtype, 0, 1, c.m(), c.n()));
                opt.step();
                assertEquals(c.floats() * dtype.bytes(), opt.stateBytes(), c + " " + dtype);
            }
        }
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(17);
        GaLore.Config cfg = config(3).withUpdateProjGap(2).withWeightDecay(0.01);
        Variable p = Variable.parameter(rng.normal(0, 1, 10, 6), "blocks.0.mlp.fc.weight");
        GaLore first = new GaLore(List.of(p), cfg);
        for (int i = 0; i < 3; i++) {
            p.setGrad(rng.normal(0, 1, 10, 6));
            first.step();
        }
        Map<String, Tensor> saved = first.stateDict();
        assertEquals(List.of("blocks.0.mlp.fc.weight.step", "blocks.0.mlp.fc.weight.Vt", "blocks.0.mlp.fc.weight.m",
                "blocks.0.mlp.fc.weight.v"), List.copyOf(saved.keySet()));

        Variable q = Variable.parameter(p.value().copy(), "blocks.0.mlp.fc.weight");
        GaLore second = new GaLore(List.of(q), cfg);
        second.loadStateDict(saved);
        assertArrayEquals(first.projector(p).vt().toFloatArray(), second.projector(q).vt().toFloatArray());
        for (int i = 0; i < 4; i++) { // calls 4..7: refreshes at 5 and 7
            Tensor g = rng.normal(0, 1, 10, 6);
            p.setGrad(g);
            q.setGrad(g.copy());
            first.step();
            second.step();
            assertArrayEquals(p.value().toFloatArray(), q.value().toFloatArray(), "call " + (4 + i));
        }
        assertEquals(2, second.projectorRefreshes()); // counts this instance's SVDs only
    }

    @Test
    void withAdamWFallbackProjectsHiddenMatricesOnly() {
        List<Variable> ps = List.of(
                Variable.parameter(Tensor.zeros(32, 8), "wte.weight"),
                Variable.parameter(Tensor.zeros(8, 24), "blocks.0.attn.qkv.weight"),
                Variable.parameter(Tensor.zeros(8), "blocks.0.ln1.weight"),
                Variable.parameter(Tensor.zeros(8), "ln_f.bias"),
                Variable.parameter(Tensor.zeros(8, 32), "lm_head.weight"));
        CompositeOptimizer opt = GaLore.withAdamWFallback(ps, config(4));
        assertEquals("GaLore+AdamW", opt.name());
        assertEquals(List.of("blocks.0.attn.qkv.weight"),
                opt.parts().get(0).parameters().stream().map(Variable::name).toList());
        assertEquals(List.of("wte.weight", "blocks.0.ln1.weight", "ln_f.bias", "lm_head.weight"),
                opt.parts().get(1).parameters().stream().map(Variable::name).toList());
        AdamW fallback = (AdamW) opt.parts().get(1);
        assertEquals(new AdamW.Config(1e-2, 0.9, 0.999, 1e-6, 0), fallback.groups().get(0).config());
        for (Variable p : ps) {
            p.setGrad(Tensor.ones(p.shape()));
        }
        opt.step();
        assertEquals(4L * (4 * 8 + 2 * 4 * 24), opt.stateBytesPerParameter().get("blocks.0.attn.qkv.weight"));
    }
}

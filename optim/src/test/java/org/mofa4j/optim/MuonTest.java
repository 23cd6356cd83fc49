package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Muon's Newton–Schulz iteration against a float64 reference of the same iteration, against its closed form on a
 * gradient with a planted SVD, and against the singular-value band of the quintic; the optimizer step against a
 * float64 reference of the update equations.
 */
class MuonTest {

    /** The iteration of Muon's class comment over row-major doubles, written independently of Tensor. */
    static double[] referenceNewtonSchulz(double[] g, int rows, int cols, int steps) {
        boolean tall = rows > cols;
        int k = tall ? cols : rows;
        int l = tall ? rows : cols;
        double[] x = new double[k * l];
        double norm = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = g[i * cols + j];
                x[tall ? j * l + i : i * l + j] = v;
                norm += v * v;
            }
        }
        double div = Math.sqrt(norm) + 1e-7;
        for (int i = 0; i < x.length; i++) {
            x[i] /= div;
        }
        for (int s = 0; s < steps; s++) {
            double[] a = GaLoreTest.mm(x, false, x, true, k, l, k);         // X·Xᵀ [k, k]
            double[] aa = GaLoreTest.mm(a, false, a, false, k, k, k);
            double[] b = new double[k * k];
            for (int i = 0; i < b.length; i++) {
                b[i] = -4.7750 * a[i] + 2.0315 * aa[i];
            }
            double[] bx = GaLoreTest.mm(b, false, x, false, k, k, l);
            for (int i = 0; i < x.length; i++) {
                x[i] = 3.4445 * x[i] + bx[i];
            }
        }
        if (!tall) {
            return x;
        }
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = x[j * l + i];
            }
        }
        return out;
    }

    /** f⁵ for f(x) = a·x + b·x³ + c·x⁵. */
    static double quinticFive(double x) {
        for (int i = 0; i < 5; i++) {
            x = 3.4445 * x - 4.7750 * x * x * x + 2.0315 * x * x * x * x * x;
        }
        return x;
    }

    static double[] singularValues(Tensor t) {
        return SingularOps_DDRM.singularValues(new DMatrixRMaj(t.dim(0), t.dim(1), true, t.toDoubleArray()));
    }

    // ---------------------------------------------------------------- Newton–Schulz

    @Test
    void newtonSchulzEqualsTheFloat64ReferenceIteration() {
        Rng rng = new Rng(4);
        for (int[] shape : new int[][] {{6, 10}, {10, 6}, {8, 8}, {1, 5}}) {
            Tensor g = rng.normal(DType.F64, 0, 1, shape[0], shape[1]);
            double[] expected = referenceNewtonSchulz(g.toDoubleArray(), shape[0], shape[1], 5);
            assertTrue(GaLoreTest.maxAbsDiff(expected, Muon.orthogonalize(g, 5).toDoubleArray()) < 1e-13);
            // float32: the same input rounded to float; the iteration stays within float rounding of the reference.
            Tensor g32 = g.to(DType.F32);
            double[] expected32 = referenceNewtonSchulz(g32.toDoubleArray(), shape[0], shape[1], 5);
            assertTrue(GaLoreTest.maxAbsDiff(expected32, Muon.orthogonalize(g32, 5).toDoubleArray()) < 2e-5,
                    shape[0] + "x" + shape[1]);
        }
    }

    /** NS(G) = U·f⁵(σ/(‖G‖_F + 1e-7))·Vᵀ: singular vectors kept, each singular value mapped by the quintic. */
    @Test
    void newtonSchulzAppliesTheQuinticToEachSingularValue() {
        for (int[] shape : new int[][] {{9, 5}, {5, 9}}) {
            double[] s = {3, 1.4, 0.6, 0.3, 0.01};
            GaLoreTest.Planted g = GaLoreTest.Planted.random(new Rng(12), shape[0], shape[1], s);
            double norm = 0;
            for (double v : s) {
                norm += v * v;
            }
            double[] mapped = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                mapped[i] = quinticFive(s[i] / (Math.sqrt(norm) + 1e-7));
            }
            double[] expected = new GaLoreTest.Planted(g.m(), g.n(), g.q1(), mapped, g.q2()).truncated(s.length);
            double[] actual = Muon.orthogonalize(g.gradient(DType.F64), 5).toDoubleArray();
            assertTrue(GaLoreTest.maxAbsDiff(expected, actual) < 1e-12);
        }
    }

    /**
     * The distance to the polar factor U·Vᵀ is max|f⁵(x) − 1| over the singular values: within [0.682, 1.135] for
     * x = σ/‖G‖_F ∈ [0.05, 1], and within [0.68, 1.21] down to x = 0.002, which covers rectangular Gaussian
     * matrices (their smallest x here is about 0.03). Square Gaussian matrices can have far smaller x.
     */
    @Test
    void outputSingularValuesLieInTheQuinticBand() {
        double[] s = {1, 0.45, 0.2, 0.1, 0.06}; // x from 0.89 down to 0.054
        GaLoreTest.Planted planted = GaLoreTest.Planted.random(new Rng(3), 12, 5, s);
        for (double sv : singularValues(Muon.orthogonalize(planted.gradient(DType.F32), 5))) {
            assertTrue(sv >= 0.681 && sv <= 1.135, "singular value " + sv);
        }
        Rng rng = new Rng(99);
        for (int[] shape : new int[][] {{48, 32}, {32, 48}, {40, 24}}) {
            Tensor g = rng.normal(0, 1, shape[0], shape[1]);
            double[] svs = singularValues(Muon.orthogonalize(g, 5));
            assertEquals(Math.min(shape[0], shape[1]), svs.length);
            for (double sv : svs) {
                assertTrue(sv >= 0.68 && sv <= 1.21, shape[0] + "x" + shape[1] + ": singular value " + sv);
            }
        }
    }

    @Test
    void newtonSchulzCommutesWithTransposition() {
        Tensor g = new Rng(8).normal(DType.F64, 0, 1, 7, 4);
        double[] direct = Muon.orthogonalize(g, 5).t().contiguous().toDoubleArray();
        double[] ofTranspose = Muon.orthogonalize(g.t().contiguous(), 5).toDoubleArray();
        assertTrue(GaLoreTest.maxAbsDiff(direct, ofTranspose) < 1e-15);
    }

    @Test
    void zeroInputGivesZeroOutput() {
        assertArrayEquals(new float[12], Muon.orthogonalize(Tensor.zeros(3, 4), 5).toFloatArray());
    }

    @Test
    void shapeScaleGrowsOnlyForTallMatrices() {
        assertEquals(Math.sqrt(3), Muon.shapeScale(12, 4), 1e-15);
        assertEquals(1.0, Muon.shapeScale(4, 12));
        assertEquals(1.0, Muon.shapeScale(5, 5));
    }

    // ---------------------------------------------------------------- the optimizer step

    record StepCase(int m, int n, Muon.Config config) {}

    static Stream<StepCase> stepCases() {
        return Stream.of(
                new StepCase(12, 4, new Muon.Config(0.02, 0.95, true, 5, 0.1)),   // tall: scale √3
                new StepCase(4, 12, new Muon.Config(0.05, 0.9, false, 5, 0)),     // wide, plain momentum
                new StepCase(6, 6, new Muon.Config(0.02, 0.8, true, 3, 0.01)));   // square, 3 NS steps
    }

    @ParameterizedTest
    @MethodSource("stepCases")
    void stepMatchesFloat64ReferenceOverSeveralSteps(StepCase c) {
        Rng rng = new Rng(21);
        int m = c.m();
        int n = c.n();
        Muon.Config cfg = c.config();
        Variable p = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        Muon opt = new Muon(List.of(p), cfg);
        double[] w = p.value().toDoubleArray();
        double[] buf = new double[m * n];
        double beta = cfg.momentum();
        for (int t = 1; t <= 4; t++) {
            double lr = cfg.lr() * (t == 3 ? 0.5 : 1.0);
            opt.setLrScale(t == 3 ? 0.5 : 1.0);
            Tensor grad = rng.normal(DType.F64, 0, 1, m, n);
            p.setGrad(grad);
            opt.step();
            double[] g = grad.toDoubleArray();
            double[] x = new double[m * n];
            for (int i = 0; i < x.length; i++) {
                buf[i] = beta * buf[i] + (1 - beta) * g[i];
                x[i] = cfg.nesterov() ? (1 - beta) * g[i] + beta * buf[i] : buf[i];
            }
            double[] o = referenceNewtonSchulz(x, m, n, cfg.nsSteps());
            double scale = Math.sqrt(Math.max(1.0, (double) m / n));
            for (int i = 0; i < w.length; i++) {
                w[i] = w[i] * (1 - lr * cfg.weightDecay()) - lr * scale * o[i];
            }
            assertTrue(GaLoreTest.maxAbsDiff(w, p.value().toDoubleArray()) < 1e-13, c + " step " + t);
        }
    }

    @Test
    void float32RunStaysCloseToTheFloat64Run() {
        Rng rng = new Rng(6);
        Tensor w0 = rng.normal(DType.F64, 0, 1, 10, 6);
        Variable p64 = Variable.parameter(w0.copy(), "w");
        Variable p32 = Variable.parameter(w0.to(DType.F32), "w");
        Muon o64 = new Muon(List.of(p64), Muon.Config.defaults());
        Muon o32 = new Muon(List.of(p32), Muon.Config.defaults());
        for (int t = 0; t < 5; t++) {
            Tensor g = rng.normal(0, 1, 10, 6);
            p64.setGrad(g.to(DType.F64));
            p32.setGrad(g);
            o64.step();
            o32.step();
        }
        assertTrue(GaLoreTest.maxAbsDiff(p64.value().toDoubleArray(), p32.value().toDoubleArray()) < 1e-5);
    }

    @Test
    void zeroGradientLeavesOnlyWeightDecay() {
        Variable p = Variable.parameter(Tensor.full(DType.F64, 2.0, 3, 4), "w");
        Muon opt = new Muon(List.of(p), new Muon.Config(0.1, 0.95, true, 5, 0.5));
        p.setGrad(Tensor.zeros(DType.F64, 3, 4));
        opt.step();
        for (double v : p.value().toDoubleArray()) {
            assertEquals(2.0 * (1 - 0.1 * 0.5), v, 1e-15);
        }
    }

    @Test
    void gradientIsNotModified() {
        Variable p = Variable.parameter(Tensor.zeros(3, 4), "w");
        Muon opt = new Muon(List.of(p), Muon.Config.defaults());
        Tensor g = new Rng(1).normal(0, 1, 3, 4);
        float[] before = g.toFloatArray();
        p.setGrad(g);
        opt.step();
        assertArrayEquals(before, g.toFloatArray());
    }

    // ---------------------------------------------------------------- validation, state

    @Test
    void configRejectsBadValuesWithMessagesNamingTheField() {
        assertEquals("Muon: lr must be finite and ≥ 0, got -0.02",
                assertThrows(IllegalArgumentException.class, () -> new Muon.Config(-0.02, 0.95, true, 5, 0))
                        .getMessage());
        assertEquals("Muon: momentum must be in [0.0, 1.0), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new Muon.Config(0.02, 1, true, 5, 0)).getMessage());
        assertEquals("Muon: nsSteps must be ≥ 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Muon.Config(0.02, 0.95, true, 0, 0))
                        .getMessage());
        assertEquals("Muon: weightDecay must be finite and ≥ 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new Muon.Config(0.02, 0.95, true, 5, Double.NaN))
                        .getMessage());
        assertEquals(new Muon.Config(0.02, 0.95, true, 5, 0), Muon.Config.defaults());
    }

    @Test
    void nonMatrixParametersAreRejected() {
        Variable gain = Variable.parameter(Tensor.ones(8), "blocks.0.ln1.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Muon(List.of(gain), Muon.Config.defaults()));
        assertEquals("Muon: parameter 'blocks.0.ln1.weight' has shape [8]; Muon orthogonalises 2-D matrices only, so "
                + "give it to another optimizer (Muon.withAdamWFallback, ParameterRouting)", e.getMessage());
    }

    @Test
    void stateBytesAreOneMomentumBuffer() {
        Variable a = Variable.parameter(Tensor.zeros(DType.F32, 6, 5), "a");
        Variable b = Variable.parameter(Tensor.zeros(DType.F64, 3, 7), "b");
        Muon opt = new Muon(List.of(a, b), Muon.Config.defaults());
        assertEquals(0, opt.stateBytes());
        a.setGrad(Tensor.ones(DType.F32, 6, 5));
        b.setGrad(Tensor.ones(DType.F64, 3, 7));
        opt.step();
        assertEquals(Map.of("a", 30L * 4, "b", 21L * 8), opt.stateBytesPerParameter());
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(23);
        Variable p = Variable.parameter(rng.normal(0, 1, 8, 5), "blocks.0.attn.proj.weight");
        Muon.Config cfg = new Muon.Config(0.02, 0.95, true, 5, 0.01);
        Muon first = new Muon(List.of(p), cfg);
        for (int i = 0; i < 2; i++) {
            p.setGrad(rng.normal(0, 1, 8, 5));
            first.step();
        }
        Map<String, Tensor> saved = first.stateDict();
        assertEquals(List.of("blocks.0.attn.proj.weight.step", "blocks.0.attn.proj.weight.momentum"),
                List.copyOf(saved.keySet()));
        Variable q = Variable.parameter(p.value().copy(), "blocks.0.attn.proj.weight");
        Muon second = new Muon(List.of(q), cfg);
        second.loadStateDict(saved);
        for (int i = 0; i < 3; i++) {
            Tensor g = rng.normal(0, 1, 8, 5);
            p.setGrad(g);
            q.setGrad(g.copy());
            first.step();
            second.step();
            assertArrayEquals(p.value().toFloatArray(), q.value().toFloatArray());
        }
    }

    @Test
    void withAdamWFallbackOrthogonalisesHiddenMatricesOnly() {
        List<Variable> ps = List.of(
                Variable.parameter(Tensor.zeros(32, 8), "wte.weight"),
                Variable.parameter(Tensor.zeros(16, 8), "wpe.weight"),
                Variable.parameter(Tensor.zeros(8, 24), "blocks.0.attn.qkv.weight"),
                Variable.parameter(Tensor.zeros(8), "blocks.0.ln1.weight"),
                Variable.parameter(Tensor.zeros(8), "ln_f.bias"),
                Variable.parameter(Tensor.zeros(8, 32), "lm_head.weight"));
        CompositeOptimizer opt = Muon.withAdamWFallback(ps, Muon.Config.defaults());
        assertEquals("Muon+AdamW", opt.name());
        assertEquals(List.of("blocks.0.attn.qkv.weight"),
                opt.parts().get(0).parameters().stream().map(Variable::name).toList());
        assertEquals(List.of("wte.weight", "wpe.weight", "blocks.0.ln1.weight", "ln_f.bias", "lm_head.weight"),
                opt.parts().get(1).parameters().stream().map(Variable::name).toList());
        assertEquals(new AdamW.Config(3e-4, 0.9, 0.95, 1e-10, 0),
                ((AdamW) opt.parts().get(1)).groups().get(0).config());
    }
}

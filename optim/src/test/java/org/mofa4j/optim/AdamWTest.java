package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * AdamW against a float64 reference written from the update in PyTorch's {@code torch.optim.AdamW} documentation
 * (amsgrad off, maximize off):
 * <pre>
 *   θ ← θ − γλθ;   m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
 *   m̂ = m/(1−β₁ᵗ);   v̂ = v/(1−β₂ᵗ);   θ ← θ − γ·m̂/(√v̂ + ε)
 * </pre>
 * A golden file produced by {@code torch.optim.AdamW} itself (as autograd's GoldenPytorchTest does for the ops)
 * could be added beside this test; the reference below is written from the documented formulas instead.
 */
class AdamWTest {

    /** The documented algorithm for one tensor, in float64, over flat arrays. Modifies: theta, m, v. */
    static void referenceStep(double[] theta, double[] g, double[] m, double[] v, int t, double lr, double b1,
            double b2, double eps, double wd) {
        for (int i = 0; i < theta.length; i++) {
            theta[i] -= lr * wd * theta[i];
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(b1, t));
            double vHat = v[i] / (1 - Math.pow(b2, t));
            theta[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    private static double maxRelErr(double[] expected, double[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i])));
        }
        return worst;
    }

    /** Two groups with different settings, six steps with fresh gradients, and a schedule scale change. */
    private static void checkAgainstReference(DType dtype, double tol) {
        Rng rng = new Rng(7);
        Variable a = Variable.parameter(rng.normal(dtype, 0, 1, 4, 5), "a");
        Variable b = Variable.parameter(rng.normal(dtype, 0, 1, 7), "b");
        AdamW.Config ca = new AdamW.Config(1e-2, 0.9, 0.999, 1e-8, 0.1);
        AdamW.Config cb = new AdamW.Config(3e-3, 0.8, 0.95, 1e-6, 0);
        AdamW opt = new AdamW(List.of(new ParamGroup<>(List.of(a), ca), new ParamGroup<>(List.of(b), cb)));

        double[] ta = a.value().toDoubleArray();
        double[] tb = b.value().toDoubleArray();
        double[] ma = new double[ta.length];
        double[] va = new double[ta.length];
        double[] mb = new double[tb.length];
        double[] vb = new double[tb.length];
        for (int t = 1; t <= 6; t++) {
            double scale = t <= 3 ? 1.0 : 0.5;
            opt.setLrScale(scale);
            Tensor ga = rng.normal(dtype, 0, 1, 4, 5);
            Tensor gb = rng.normal(dtype, 0, 0.01, 7); // small gradients: ε matters
            a.setGrad(ga);
            b.setGrad(gb);
            opt.step();
            referenceStep(ta, ga.toDoubleArray(), ma, va, t, ca.lr() * scale, ca.beta1(), ca.beta2(), ca.eps(),
                    ca.weightDecay());
            referenceStep(tb, gb.toDoubleArray(), mb, vb, t, cb.lr() * scale, cb.beta1(), cb.beta2(), cb.eps(),
                    cb.weightDecay());
            assertTrue(maxRelErr(ta, a.value().toDoubleArray()) < tol, "a at step " + t);
            assertTrue(maxRelErr(tb, b.value().toDoubleArray()) < tol, "b at step " + t);
        }
    }

    @Test
    void float64MatchesReferenceOverSeveralSteps() {
        checkAgainstReference(DType.F64, 1e-13);
    }

    @Test
    void float32MatchesFloat64ReferenceOverSeveralSteps() {
        checkAgainstReference(DType.F32, 2e-6);
    }

    @Test
    void parametersWithoutGradientAreNotUpdatedAndGetNoState() {
        Variable a = Variable.parameter(Tensor.ones(3), "a");
        Variable b = Variable.parameter(Tensor.ones(3), "b");
        AdamW opt = new AdamW(List.of(a, b), AdamW.Config.defaults(0.1));
        a.setGrad(Tensor.ones(3));
        opt.step();
        assertArrayEquals(new float[] {1, 1, 1}, b.value().toFloatArray());
        assertEquals(Map.of("a", 24L, "b", 0L), opt.stateBytesPerParameter());
    }

    @Test
    void configRejectsBadValuesWithMessagesNamingTheField() {
        assertEquals("AdamW: lr must be finite and ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new AdamW.Config(-1, 0.9, 0.999, 1e-8, 0))
                        .getMessage());
        assertEquals("AdamW: beta1 must be in [0.0, 1.0), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new AdamW.Config(1e-3, 1, 0.999, 1e-8, 0))
                        .getMessage());
        assertEquals("AdamW: beta2 must be in [0.0, 1.0), got NaN",
                assertThrows(IllegalArgumentException.class, () -> new AdamW.Config(1e-3, 0.9, Double.NaN, 1e-8, 0))
                        .getMessage());
        assertEquals("AdamW: eps must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new AdamW.Config(1e-3, 0.9, 0.999, 0, 0))
                        .getMessage());
        assertEquals("AdamW: weightDecay must be finite and ≥ 0, got Infinity",
                assertThrows(IllegalArgumentException.class,
                        () -> new AdamW.Config(1e-3, 0.9, 0.999, 1e-8, Double.POSITIVE_INFINITY)).getMessage());
    }

    @Test
    void constructorRejectsUnnamedAndDuplicateParameters() {
        Variable unnamed = Variable.parameter(Tensor.ones(2));
        Variable w1 = Variable.parameter(Tensor.ones(2), "w");
        Variable w2 = Variable.parameter(Tensor.ones(2), "w");
        assertEquals("AdamW: every parameter needs a unique name for state dicts, got an unnamed parameter",
                assertThrows(IllegalArgumentException.class,
                        () -> new AdamW(List.of(unnamed), AdamW.Config.defaults(1e-3))).getMessage());
        assertEquals("AdamW: every parameter needs a unique name for state dicts, got 'w' twice",
                assertThrows(IllegalArgumentException.class,
                        () -> new AdamW(List.of(w1, w2), AdamW.Config.defaults(1e-3))).getMessage());
    }

    @Test
    void stateBytesAreTwoMomentsInTheParameterDtype() {
        Variable a = Variable.parameter(Tensor.zeros(DType.F32, 6, 5), "a");
        Variable b = Variable.parameter(Tensor.zeros(DType.F64, 3), "b");
        AdamW opt = new AdamW(List.of(a, b), AdamW.Config.defaults(1e-3));
        assertEquals(0, opt.stateBytes());
        a.setGrad(Tensor.ones(DType.F32, 6, 5));
        b.setGrad(Tensor.ones(DType.F64, 3));
        opt.step();
        assertEquals(Map.of("a", 2L * 30 * 4, "b", 2L * 3 * 8), opt.stateBytesPerParameter());
        assertEquals(2L * 30 * 4 + 2L * 3 * 8, opt.stateBytes());
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(11);
        Tensor w0 = rng.normal(0, 1, 5, 3);
        Variable p = Variable.parameter(w0.copy(), "layer.weight");
        AdamW.Config cfg = new AdamW.Config(1e-2, 0.9, 0.99, 1e-8, 0.05);
        AdamW first = new AdamW(List.of(p), cfg);
        for (int i = 0; i < 3; i++) {
            p.setGrad(rng.normal(0, 1, 5, 3));
            first.step();
        }
        Map<String, Tensor> saved = first.stateDict();
        assertEquals(List.of("layer.weight.step", "layer.weight.m", "layer.weight.v"), List.copyOf(saved.keySet()));
        assertEquals(3.0, saved.get("layer.weight.step").item());

        Variable q = Variable.parameter(p.value().copy(), "layer.weight");
        AdamW second = new AdamW(List.of(q), cfg);
        second.loadStateDict(saved);
        for (int i = 0; i < 4; i++) {
            Tensor g = rng.normal(0, 1, 5, 3);
            p.setGrad(g);
            q.setGrad(g.copy());
            first.step();
            second.step();
            assertArrayEquals(p.value().toFloatArray(), q.value().toFloatArray(), "step " + (4 + i));
        }
    }

    @Test
    void loadingAnUnknownKeyIsRefused() {
        Variable p = Variable.parameter(Tensor.ones(2), "w");
        AdamW opt = new AdamW(List.of(p), AdamW.Config.defaults(1e-3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.loadStateDict(Map.of("other.m", Tensor.zeros(2))));
        assertEquals("AdamW: unexpected optimizer state 'other.m' (no parameter of this optimizer has that name)",
                e.getMessage());
    }
}

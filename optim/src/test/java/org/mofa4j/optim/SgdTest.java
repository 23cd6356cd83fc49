package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * SGD against a float64 reference written from the algorithm in PyTorch's {@code torch.optim.SGD} documentation
 * (maximize off):
 * <pre>
 *   g ← g + λθ
 *   if μ ≠ 0:  b ← g at t = 1, else b ← μb + (1−τ)g;   g ← g + μb (Nesterov) or g ← b
 *   θ ← θ − γg
 * </pre>
 * A golden file produced by {@code torch.optim.SGD} could be added beside this test, as autograd does for its ops.
 */
class SgdTest {

    /** The documented algorithm, float64, flat arrays. buf is null before the first step. Modifies: theta. */
    static double[] referenceStep(double[] theta, double[] grad, double[] buf, double lr, Sgd.Config c) {
        double[] g = grad.clone();
        for (int i = 0; i < g.length; i++) {
            g[i] += c.weightDecay() * theta[i];
        }
        if (c.momentum() != 0) {
            if (buf == null) {
                buf = g.clone();
            } else {
                for (int i = 0; i < g.length; i++) {
                    buf[i] = c.momentum() * buf[i] + (1 - c.dampening()) * g[i];
                }
            }
            for (int i = 0; i < g.length; i++) {
                g[i] = c.nesterov() ? g[i] + c.momentum() * buf[i] : buf[i];
            }
        }
        for (int i = 0; i < g.length; i++) {
            theta[i] -= lr * g[i];
        }
        return buf;
    }

    static Stream<Sgd.Config> configs() {
        return Stream.of(
                new Sgd.Config(0.1, 0, 0, 0, false),      // plain
                new Sgd.Config(0.1, 0, 0, 0.01, false),   // plain with L2 decay
                new Sgd.Config(0.05, 0.9, 0, 0, false),   // heavy ball
                new Sgd.Config(0.05, 0.9, 0.3, 0.02, false), // dampening and decay
                new Sgd.Config(0.05, 0.9, 0, 0.02, true));   // Nesterov and decay
    }

    @ParameterizedTest
    @MethodSource("configs")
    void float64MatchesReferenceOverSeveralSteps(Sgd.Config c) {
        check(c, DType.F64, 1e-14);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void float32MatchesFloat64Reference(Sgd.Config c) {
        check(c, DType.F32, 1e-5);
    }

    private static void check(Sgd.Config c, DType dtype, double tol) {
        Rng rng = new Rng(3);
        Variable p = Variable.parameter(rng.normal(dtype, 0, 1, 3, 4), "w");
        Sgd opt = new Sgd(List.of(p), c);
        double[] theta = p.value().toDoubleArray();
        double[] buf = null;
        for (int t = 1; t <= 5; t++) {
            double scale = t == 5 ? 0.25 : 1.0;
            opt.setLrScale(scale);
            Tensor g = rng.normal(dtype, 0, 1, 3, 4);
            p.setGrad(g);
            opt.step();
            buf = referenceStep(theta, g.toDoubleArray(), buf, c.lr() * scale, c);
            double[] actual = p.value().toDoubleArray();
            for (int i = 0; i < theta.length; i++) {
                assertTrue(Math.abs(theta[i] - actual[i]) <= tol * Math.max(1, Math.abs(theta[i])),
                        c + " step " + t + " element " + i + ": expected " + theta[i] + ", got " + actual[i]);
            }
        }
    }

    @Test
    void gradientIsNotModified() {
        Variable p = Variable.parameter(Tensor.ones(3), "w");
        Sgd opt = new Sgd(List.of(p), new Sgd.Config(0.1, 0.9, 0, 0.5, true));
        Tensor g = Tensor.vector(1, 2, 3);
        p.setGrad(g);
        opt.step();
        opt.step();
        assertArrayEquals(new float[] {1, 2, 3}, g.toFloatArray());
    }

    @Test
    void configRejectsBadValuesWithMessagesNamingTheField() {
        assertEquals("SGD: lr must be finite and ≥ 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(Double.NaN, 0, 0, 0, false))
                        .getMessage());
        assertEquals("SGD: momentum must be in [0.0, 1.0), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 1, 0, 0, false))
                        .getMessage());
        assertEquals("SGD: dampening must be in [0.0, 1.0), got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, -0.1, 0, false))
                        .getMessage());
        assertEquals("SGD: weightDecay must be finite and ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, 0, -1, false))
                        .getMessage());
        assertEquals("SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum 0.9, dampening 0.5",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, 0.5, 0, true))
                        .getMessage());
        assertEquals("SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum 0.0, dampening 0.0",
                assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0, 0, 0, true))
                        .getMessage());
    }

    @Test
    void stateBytesAreTheMomentumBufferOrNothing() {
        Variable a = Variable.parameter(Tensor.zeros(4, 5), "a");
        Variable b = Variable.parameter(Tensor.zeros(DType.F64, 4, 5), "b");
        Sgd withMomentum = new Sgd(List.of(a, b), Sgd.Config.momentum(0.1));
        Variable c = Variable.parameter(Tensor.zeros(4, 5), "c");
        Sgd plain = new Sgd(List.of(c), new Sgd.Config(0.1, 0, 0, 0, false));
        a.setGrad(Tensor.ones(4, 5));
        b.setGrad(Tensor.ones(DType.F64, 4, 5));
        c.setGrad(Tensor.ones(4, 5));
        withMomentum.step();
        plain.step();
        assertEquals(Map.of("a", 80L, "b", 160L), withMomentum.stateBytesPerParameter());
        assertEquals(0, plain.stateBytes());
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(5);
        Sgd.Config cfg = new Sgd.Config(0.05, 0.9, 0, 0.01, true);
        Variable p = Variable.parameter(rng.normal(0, 1, 6), "w");
        Sgd first = new Sgd(List.of(p), cfg);
        for (int i = 0; i < 2; i++) {
            p.setGrad(rng.normal(0, 1, 6));
            first.step();
        }
        Map<String, Tensor> saved = first.stateDict();
        assertEquals(List.of("w.step", "w.momentum"), List.copyOf(saved.keySet()));
        Variable q = Variable.parameter(p.value().copy(), "w");
        Sgd second = new Sgd(List.of(q), cfg);
        second.loadStateDict(saved);
        for (int i = 0; i < 3; i++) {
            Tensor g = rng.normal(0, 1, 6);
            p.setGrad(g);
            q.setGrad(g.copy());
            first.step();
            second.step();
            assertArrayEquals(p.value().toFloatArray(), q.value().toFloatArray());
        }
    }
}

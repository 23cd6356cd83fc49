package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

class AdafactorTest {

    /**
     * Adafactor written straight from algorithms.md §5 in double arrays, in the paper's sum form: R and C are
     * EMAs of row and column <em>sums</em> of G² + ε₁ and V̂ = R·Cᵀ / 1ᵀR. A tensor of rank ≥ 2 is the matrix
     * [shape[0], rest]; rank &lt; 2 keeps the full v.
     */
    static final class Reference {
        final int m;
        final int n;
        final double[] r;
        final double[] c;
        final double[] v;
        final double[] mom;
        long t;

        Reference(int[] shape) {
            int numel = 1;
            for (int s : shape) {
                numel *= s;
            }
            boolean factored = shape.length >= 2;
            m = factored ? shape[0] : numel;
            n = factored ? numel / shape[0] : 1;
            r = new double[m];
            c = new double[n];
            v = new double[numel];
            mom = new double[numel];
        }

        /** One step; x is modified. alpha is returned for tests that need it. */
        double step(double[] x, double[] g, boolean factored, double beta2, double alpha, double eps1, double d,
                double lambda, double beta1) {
            int numel = x.length;
            double[] u = new double[numel];
            if (factored) {
                for (int i = 0; i < m; i++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += g[i * n + j] * g[i * n + j] + eps1;
                    }
                    r[i] = beta2 * r[i] + (1 - beta2) * s;
                }
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int i = 0; i < m; i++) {
                        s += g[i * n + j] * g[i * n + j] + eps1;
                    }
                    c[j] = beta2 * c[j] + (1 - beta2) * s;
                }
                double sumR = 0;
                for (double ri : r) {
                    sumR += ri;
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double vHat = r[i] * c[j] / sumR;
                        u[i * n + j] = g[i * n + j] / Math.sqrt(vHat);
                    }
                }
            } else {
                for (int k = 0; k < numel; k++) {
                    v[k] = beta2 * v[k] + (1 - beta2) * (g[k] * g[k] + eps1);
                    u[k] = g[k] / Math.sqrt(v[k]);
                }
            }
            double clip = Math.max(1, rms(u) / d);
            for (int k = 0; k < numel; k++) {
                double step = alpha * u[k] / clip;
                if (beta1 > 0) {
                    mom[k] = beta1 * mom[k] + (1 - beta1) * step;
                    step = mom[k];
                }
                x[k] = x[k] - alpha * lambda * x[k] - step;
            }
            return alpha;
        }

        /** Adafactor's step with the §5 step-size rules. */
        void step(double[] x, double[] g, boolean factored, Adafactor.Config cfg) {
            t++;
            double rho = cfg.relativeStep()
                    ? Math.min(cfg.warmupInit() ? 1e-6 * t : 1e-2, 1 / Math.sqrt(t))
                    : cfg.lr();
            double alpha = cfg.scaleParameter() ? Math.max(cfg.eps2(), rms(x)) * rho : rho;
            double beta2 = 1 - Math.pow(t, cfg.decayRate());
            step(x, g, factored, beta2, alpha, cfg.eps1(), cfg.clipThreshold(), cfg.weightDecay(), cfg.beta1());
        }
    }

    static double rms(double[] x) {
        double s = 0;
        for (double xi : x) {
            s += xi * xi;
        }
        return Math.sqrt(s / x.length);
    }

    static Tensor random(Random r, DType dt, int... shape) {
        return LomoTest.random(r, dt, 1.0, shape);
    }

    private static final int[][] SHAPES = {{5, 3}, {2, 3, 2}, {4}, {1, 6}};

    /** Runs Adafactor and the reference side by side on SHAPES; returns the largest difference. */
    private static double maxDifferenceFromReference(Adafactor.Config cfg, DType dt, int steps) {
        Random r = new Random(42);
        Variable[] ps = new Variable[SHAPES.length];
        Reference[] refs = new Reference[SHAPES.length];
        double[][] xs = new double[SHAPES.length][];
        for (int k = 0; k < SHAPES.length; k++) {
            ps[k] = Variable.parameter(random(r, dt, SHAPES[k]), "p" + k);
            refs[k] = new Reference(SHAPES[k]);
            xs[k] = ps[k].value().toDoubleArray();
        }
        Adafactor opt = new Adafactor(List.of(ps), cfg);
        double maxDiff = 0;
        for (int step = 0; step < steps; step++) {
            for (int k = 0; k < SHAPES.length; k++) {
                Tensor g = random(r, dt, SHAPES[k]);
                if (step == 2 && SHAPES[k].length == 2) {
                    for (int j = 0; j < SHAPES[k][1]; j++) {
                        g.set(0, 0, j);   // a zero gradient row: only ε₁ keeps V̂ positive
                    }
                }
                ps[k].setGrad(g);
                refs[k].step(xs[k], g.toDoubleArray(), SHAPES[k].length >= 2, cfg);
            }
            opt.step();
            opt.zeroGrad();
            for (int k = 0; k < SHAPES.length; k++) {
                double[] got = ps[k].value().toDoubleArray();
                for (int i = 0; i < got.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - xs[k][i]));
                }
            }
        }
        return maxDiff;
    }

    private static final List<Adafactor.Config> CONFIGS = List.of(
            Adafactor.Config.defaults(),
            new Adafactor.Config(0, true, true, true, 0, -0.8, 1e-30, 1e-3, 1.0, 0),          // warm-up init
            new Adafactor.Config(0.05, false, false, false, 0.9, -0.8, 1e-30, 1e-3, 1.0, 0.1),  // β₁, external lr, λ
            new Adafactor.Config(0.02, false, false, true, 0, -0.5, 1e-20, 1e-2, 0.5, 0.3));    // other c, ε, d

    @Test
    void matchesFloat64ReferenceOnMatricesTensorsAndVectors() {
        for (Adafactor.Config cfg : CONFIGS) {
            assertTrue(maxDifferenceFromReference(cfg, DType.F64, 6) < 1e-12, cfg.toString());
        }
    }

    @Test
    void float32TracksTheFloat64Reference() {
        for (Adafactor.Config cfg : CONFIGS) {
            double d = maxDifferenceFromReference(cfg, DType.F32, 6);
            assertTrue(d < 2e-5, cfg + ": " + d);
        }
    }

    @Test
    void beta2ScheduleHasTheDocumentedValues() {
        assertEquals(0.0, Adafactor.beta2(1, -0.8), 0.0);
        assertEquals(0.425651, Adafactor.beta2(2, -0.8), 1e-6);
        assertEquals(0.841511, Adafactor.beta2(10, -0.8), 1e-6);
        assertEquals(0.974881, Adafactor.beta2(100, -0.8), 1e-6);
        assertEquals(0.999369, Adafactor.beta2(10000, -0.8), 1e-6);
    }

    @Test
    void relativeStepScheduleIsMinOfCapAndInverseSqrt() {
        Adafactor.Config plain = Adafactor.Config.defaults();
        Adafactor.Config warm = new Adafactor.Config(0, true, true, true, 0, -0.8, 1e-30, 1e-3, 1.0, 0);
        assertEquals(1e-2, Adafactor.relativeStep(plain, 1), 0.0);
        assertEquals(1 / Math.sqrt(10_000), Adafactor.relativeStep(plain, 10_000), 1e-18);
        assertEquals(3e-6, Adafactor.relativeStep(warm, 3), 1e-20);
    }

    @Test
    void outerProductGradientAtFirstStepMovesEveryEntryByAlphaAgainstItsSign() {
        // G_ij = a_i·b_j gives V̂ = G² at t = 1, so u = sign(G), RMS(u) = 1 and Δθ = −α·sign(G)
        double[] a = {1.5, -0.2, 3.0, 0.7};
        double[] b = {-2.0, 0.4, 1.1};
        double[] gv = new double[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                gv[i * 3 + j] = a[i] * b[j];
            }
        }
        Variable w = Variable.parameter(random(new Random(3), DType.F64, 4, 3), "w");
        double[] before = w.value().toDoubleArray();
        double alpha = 0.1 * Math.max(1e-3, rms(before));
        Adafactor opt = new Adafactor(List.of(w), Adafactor.Config.adaLomoEquivalent(0.1, 0));
        w.setGrad(Tensor.of(gv, 4, 3));
        opt.step();
        double[] after = w.value().toDoubleArray();
        for (int k = 0; k < 12; k++) {
            assertEquals(-Math.signum(gv[k]), (after[k] - before[k]) / alpha, 1e-12, "entry " + k);
        }
    }

    @Test
    void updateIsScaleInvariantAndItsRmsNeverExceedsTheThreshold() {
        Random r = new Random(5);
        Tensor init = random(r, DType.F64, 6, 4);
        Variable small = Variable.parameter(init.copy(), "small");
        Variable big = Variable.parameter(init.copy(), "big");
        double lr = 0.01;
        Adafactor.Config cfg = Adafactor.Config.externalLr(lr);
        Adafactor a = new Adafactor(List.of(small), cfg);
        Adafactor b = new Adafactor(List.of(big), cfg);
        for (int step = 0; step < 5; step++) {
            Tensor g = random(r, DType.F64, 6, 4);
            double[] before = small.value().toDoubleArray();
            small.setGrad(g);
            big.setGrad(g.mul(1000));
            a.step();
            b.step();
            assertArrayEquals(small.value().toDoubleArray(), big.value().toDoubleArray(), 1e-13);
            double[] delta = small.value().toDoubleArray();
            for (int k = 0; k < delta.length; k++) {
                delta[k] = (delta[k] - before[k]) / lr;
            }
            assertTrue(rms(delta) <= 1 + 1e-12, "RMS(Û) = " + rms(delta));
        }
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Adafactor.Config cfg = new Adafactor.Config(0, true, false, true, 0.9, -0.8, 1e-30, 1e-3, 1.0, 0.01);
        Random r = new Random(9);
        Variable w = Variable.parameter(random(r, DType.F32, 5, 3), "w");
        Variable bias = Variable.parameter(random(r, DType.F32, 3), "b");
        Adafactor opt = new Adafactor(List.of(w, bias), cfg);
        Random grads = new Random(10);
        for (int step = 0; step < 3; step++) {
            w.setGrad(random(grads, DType.F32, 5, 3));
            bias.setGrad(random(grads, DType.F32, 3));
            opt.step();
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        opt.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        assertEquals(List.of("w.step", "w.row", "w.col", "w.m", "b.step", "b.v", "b.m"), List.copyOf(saved.keySet()));

        Variable w2 = Variable.parameter(w.value().copy(), "w");
        Variable bias2 = Variable.parameter(bias.value().copy(), "b");
        Adafactor resumed = new Adafactor(List.of(w2, bias2), cfg);
        resumed.loadStateDict(saved);
        for (int step = 0; step < 3; step++) {
            Tensor gw = random(grads, DType.F32, 5, 3);
            Tensor gb = random(grads, DType.F32, 3);
            w.setGrad(gw);
            bias.setGrad(gb);
            w2.setGrad(gw.copy());
            bias2.setGrad(gb.copy());
            opt.step();
            resumed.step();
        }
        assertArrayEquals(w.value().toFloatArray(), w2.value().toFloatArray(), 0f);
        assertArrayEquals(bias.value().toFloatArray(), bias2.value().toFloatArray(), 0f);
    }

    @Test
    void stateBytesAreRowsPlusColumnsForMatricesAndNumelForVectors() {
        Variable w = Variable.parameter(Tensor.zeros(DType.F32, 5, 3), "w");
        Variable conv = Variable.parameter(Tensor.zeros(DType.F32, 2, 3, 4), "conv");
        Variable b = Variable.parameter(Tensor.zeros(DType.F32, 4), "b");
        Variable d = Variable.parameter(Tensor.zeros(DType.F64, 7, 2), "d");
        List<Variable> ps = List.of(w, conv, b, d);
        Adafactor plain = new Adafactor(ps, Adafactor.Config.externalLr(0.01));
        assertEquals(0L, plain.stateBytes(), "nothing before the first step");
        for (Variable p : ps) {
            p.setGrad(Tensor.ones(p.value().dtype(), p.shape()));
        }
        plain.step();
        assertEquals(Map.of("w", 32L, "conv", 56L, "b", 16L, "d", 72L), plain.stateBytesPerParameter());
        Adafactor withMomentum = new Adafactor(ps,
                new Adafactor.Config(0.01, false, false, false, 0.9, -0.8, 1e-30, 1e-3, 1.0, 0));
        withMomentum.step();
        assertEquals(Map.of("w", 32L + 60, "conv", 56L + 96, "b", 16L + 16, "d", 72L + 112),
                withMomentum.stateBytesPerParameter());
    }

    @Test
    void hyperparametersAreValidatedWithPreciseMessages() {
        assertEquals("Adafactor: lr must be 0 when relativeStep is on (the step size is then min(1e-2, 1/√t)), "
                + "got lr 0.001; turn relativeStep off to use an external lr", message(() ->
                        new Adafactor.Config(1e-3, true, false, true, 0, -0.8, 1e-30, 1e-3, 1, 0)));
        assertEquals("Adafactor: lr must be > 0 when relativeStep is off, got 0", message(() ->
                new Adafactor.Config(0, false, false, true, 0, -0.8, 1e-30, 1e-3, 1, 0)));
        assertEquals("Adafactor: warmupInit needs relativeStep (it changes the relative step to min(1e-6·t, 1/√t))",
                message(() -> new Adafactor.Config(1e-3, false, true, true, 0, -0.8, 1e-30, 1e-3, 1, 0)));
        assertEquals("Adafactor: beta1 must be in [0.0, 1.0), got 1.0", message(() ->
                new Adafactor.Config(1e-3, false, false, true, 1, -0.8, 1e-30, 1e-3, 1, 0)));
        assertEquals("Adafactor: decayRate must be finite and < 0 so that β₂,t = 1 − t^decayRate rises from 0 "
                + "towards 1, got 0.8", message(() ->
                        new Adafactor.Config(1e-3, false, false, true, 0, 0.8, 1e-30, 1e-3, 1, 0)));
        assertEquals("Adafactor: eps1 must be finite and > 0, got 0.0", message(() ->
                new Adafactor.Config(1e-3, false, false, true, 0, -0.8, 0, 1e-3, 1, 0)));
        assertEquals("Adafactor: eps2 must be finite and ≥ 0, got -0.001", message(() ->
                new Adafactor.Config(1e-3, false, false, true, 0, -0.8, 1e-30, -1e-3, 1, 0)));
        assertEquals("Adafactor: clipThreshold must be finite and > 0, got 0.0", message(() ->
                new Adafactor.Config(1e-3, false, false, true, 0, -0.8, 1e-30, 1e-3, 0, 0)));
        assertEquals("Adafactor: weightDecay must be finite and ≥ 0, got -1.0", message(() ->
                new Adafactor.Config(1e-3, false, false, true, 0, -0.8, 1e-30, 1e-3, 1, -1)));
        assertEquals("Adafactor: lr must be finite and ≥ 0, got NaN", message(() ->
                new Adafactor.Config(Double.NaN, false, false, true, 0, -0.8, 1e-30, 1e-3, 1, 0)));
    }

    static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.LomoTest.TwoLayer;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

class AdaLomoTest {

    private static final int[][] SHAPES = {{5, 3}, {4}, {2, 3, 2}, {3, 1}};

    /**
     * AdaLomo from algorithms.md §2.3 against {@link AdafactorTest.Reference} (sum form, double arrays): global
     * t, β₂ from the rule, α = lr·max(ε₂, RMS(θ)), element clamp then × clip_coef from the global norm.
     */
    private static double maxDifferenceFromReference(AdaLomo.Config cfg, FusedUpdateOptimizer.Clipping clip,
            int steps) {
        Random r = new Random(21);
        int k = SHAPES.length;
        Variable[] ps = new Variable[k];
        AdafactorTest.Reference[] refs = new AdafactorTest.Reference[k];
        double[][] xs = new double[k][];
        for (int i = 0; i < k; i++) {
            ps[i] = Variable.parameter(AdafactorTest.random(r, DType.F64, SHAPES[i]), "p" + i);
            refs[i] = new AdafactorTest.Reference(SHAPES[i]);
            xs[i] = ps[i].value().toDoubleArray();
        }
        AdaLomo opt = new AdaLomo(List.of(ps), cfg, clip);
        double maxDiff = 0;
        for (int t = 1; t <= steps; t++) {
            double[][] gs = new double[k][];
            double sq = 0;
            for (int i = 0; i < k; i++) {
                Tensor g = AdafactorTest.random(r, DType.F64, SHAPES[i]);
                ps[i].setGrad(g);
                gs[i] = g.toDoubleArray();
                for (double gi : gs[i]) {
                    sq += gi * gi;
                }
            }
            double coef = clip.maxNorm() > 0 ? Math.min(1, clip.maxNorm() / (Math.sqrt(sq) + 1e-6)) : 1;
            double beta2 = cfg.beta2Rule() == AdaLomo.Beta2Rule.CONSTANT
                    ? cfg.beta2() : 1 - Math.pow(t, cfg.decayRate());
            for (int i = 0; i < k; i++) {
                double[] g = gs[i];
                for (int j = 0; j < g.length; j++) {
                    double c = clip.maxValue();
                    g[j] = (c > 0 ? Math.max(-c, Math.min(c, g[j])) : g[j]) * coef;
                }
                double alpha = cfg.lr() * Math.max(cfg.eps2(), AdafactorTest.rms(xs[i]));
                refs[i].step(xs[i], g, SHAPES[i].length >= 2, beta2, alpha, cfg.eps1(), cfg.clipThreshold(),
                        cfg.weightDecay(), 0);
            }
            opt.step();
            opt.zeroGrad();
            assertEquals(t, opt.globalStep());
            for (int i = 0; i < k; i++) {
                double[] got = ps[i].value().toDoubleArray();
                for (int j = 0; j < got.length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[j] - xs[i][j]));
                }
            }
        }
        return maxDiff;
    }

    @Test
    void matchesFloat64ReferenceWithScheduleDecayAndClipping() {
        AdaLomo.Config cfg = AdaLomo.Config.defaults(0.05).withWeightDecay(0.2);
        assertTrue(maxDifferenceFromReference(cfg, FusedUpdateOptimizer.Clipping.NONE, 6) < 1e-12);
        assertTrue(maxDifferenceFromReference(cfg, new FusedUpdateOptimizer.Clipping(0.5, 0.8), 6) < 1e-12);
    }

    @Test
    void paperConstantBeta2OptionMatchesFloat64Reference() {
        AdaLomo.Config cfg = AdaLomo.Config.paperConstantBeta2(0.02, 0.9);
        assertTrue(maxDifferenceFromReference(cfg, FusedUpdateOptimizer.Clipping.NONE, 6) < 1e-12);
    }

    @Test
    void oneStepEqualsAdafactorWithTheSection23Settings() {
        Random r = new Random(31);
        double lr = 0.03;
        double wd = 0.1;
        Variable[] a = new Variable[SHAPES.length];
        Variable[] b = new Variable[SHAPES.length];
        for (int i = 0; i < SHAPES.length; i++) {
            Tensor init = AdafactorTest.random(r, DType.F64, SHAPES[i]);
            a[i] = Variable.parameter(init.copy(), "p" + i);
            b[i] = Variable.parameter(init.copy(), "p" + i);
        }
        AdaLomo adaLomo = new AdaLomo(List.of(a), AdaLomo.Config.defaults(lr).withWeightDecay(wd));
        Adafactor adafactor = new Adafactor(List.of(b), Adafactor.Config.adaLomoEquivalent(lr, wd));
        for (int step = 0; step < 5; step++) {
            for (int i = 0; i < SHAPES.length; i++) {
                Tensor g = AdafactorTest.random(r, DType.F64, SHAPES[i]);
                a[i].setGrad(g);
                b[i].setGrad(g.copy());
            }
            adaLomo.step();
            adafactor.step();
            for (int i = 0; i < SHAPES.length; i++) {
                assertArrayEquals(b[i].value().toDoubleArray(), a[i].value().toDoubleArray(), 1e-12);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ fused

    @Test
    void fusedBackwardEqualsUnfusedStepAfterNormalBackward() {
        List<FusedUpdateOptimizer.Clipping> clippings =
                List.of(FusedUpdateOptimizer.Clipping.NONE, new FusedUpdateOptimizer.Clipping(0.1, 0.05));
        for (DType dt : DType.values()) {
            for (FusedUpdateOptimizer.Clipping clip : clippings) {
                TwoLayer fused = new TwoLayer(dt, 3);
                TwoLayer plain = new TwoLayer(dt, 3);
                AdaLomo.Config cfg = AdaLomo.Config.defaults(0.05).withWeightDecay(0.1);
                AdaLomo a = new AdaLomo(fused.params(), cfg, clip);
                AdaLomo b = new AdaLomo(plain.params(), cfg, clip);
                a.attach();
                for (int step = 0; step < 5; step++) {
                    a.backward(fused.loss(step));
                    plain.loss(step).backward();
                    b.step();
                    b.zeroGrad();
                }
                assertArrayEquals(plain.values(), fused.values(), 0.0, dt + " " + clip);
                assertEquals(5, a.globalStep());
            }
        }
    }

    @Test
    void fusedBackwardKeepsNoGradientAndAtMostOneLive() {
        TwoLayer m = new TwoLayer(DType.F32, 4);
        AdaLomo opt = new AdaLomo(m.params(), AdaLomo.Config.defaults(1e-3));
        int[] peak = LomoTest.countLiveGradients(m.params());
        opt.attach();
        for (int step = 0; step < 3; step++) {
            m.loss(step).backward();   // the plain protocol: backward, then step()
            for (Variable p : m.params()) {
                assertNull(p.grad(), p.name() + " kept a gradient");
            }
            opt.step();
        }
        assertEquals(1, peak[0], "peak number of live gradients");
    }

    @Test
    void firstFusedUpdateHasStepOneSoTheMomentsEqualThisGradient() {
        TwoLayer fused = new TwoLayer(DType.F64, 6);
        TwoLayer oracle = new TwoLayer(DType.F64, 6);
        oracle.loss(0).backward();
        double[] g = oracle.w1.grad().toDoubleArray();   // [5, 3]
        AdaLomo opt = new AdaLomo(fused.params(), AdaLomo.Config.defaults(1e-3));
        opt.attach();
        assertEquals(0, opt.globalStep());
        opt.backward(fused.loss(0));
        assertEquals(1, opt.globalStep());
        // β₂,1 = 0: R = rowmean(g² + ε₁) and C = colmean(g² + ε₁) exactly
        double[] row = opt.stateDict().get("l1.weight.row").toDoubleArray();
        double[] col = opt.stateDict().get("l1.weight.col").toDoubleArray();
        for (int i = 0; i < 5; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                s += g[i * 3 + j] * g[i * 3 + j] + 1e-30;
            }
            assertEquals(s / 3, row[i], 1e-15 * s);
        }
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int i = 0; i < 5; i++) {
                s += g[i * 3 + j] * g[i * 3 + j] + 1e-30;
            }
            assertEquals(s / 5, col[j], 1e-15 * s);
        }
        assertEquals(1.0, opt.stateDict().get("l1.weight.step").item());
    }

    @Test
    void secondBackwardBeforeStepIsRefusedAsGradientAccumulation() {
        TwoLayer m = new TwoLayer(DType.F32, 7);
        AdaLomo opt = new AdaLomo(m.params(), AdaLomo.Config.defaults(1e-3));
        opt.attach();
        m.loss(0).backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.loss(1).backward());
        assertTrue(e.getMessage().contains("Gradient accumulation across micro-batches is not possible"),
                e.getMessage());
        assertEquals(1, opt.globalStep(), "the refused pass must not start a step");
    }

    // ------------------------------------------------------------------------------------------ state

    @Test
    void stateDictRoundTripRestoresGlobalStepAndContinuesBitIdentically() {
        AdaLomo.Config cfg = AdaLomo.Config.defaults(0.01).withWeightDecay(0.05);
        TwoLayer a = new TwoLayer(DType.F32, 8);
        AdaLomo optA = new AdaLomo(a.params(), cfg);
        optA.attach();
        for (int step = 0; step < 3; step++) {
            optA.backward(a.loss(step));
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        optA.stateDict().forEach((k, v) -> saved.put(k, v.copy()));

        TwoLayer b = new TwoLayer(DType.F32, 8);
        for (int i = 0; i < 4; i++) {
            b.params().get(i).value().copyFrom(a.params().get(i).value());
        }
        AdaLomo optB = new AdaLomo(b.params(), cfg);
        optB.loadStateDict(saved);
        assertEquals(3, optB.globalStep());
        optB.attach();
        for (int step = 3; step < 6; step++) {
            optA.backward(a.loss(step));
            optB.backward(b.loss(step));
        }
        assertArrayEquals(a.values(), b.values(), 0.0);
    }

    @Test
    void stateBytesAreRowsPlusColumnsPerMatrixAndNumelPerVector() {
        TwoLayer m = new TwoLayer(DType.F32, 9);
        AdaLomo opt = new AdaLomo(m.params(), AdaLomo.Config.defaults(1e-3));
        opt.attach();
        opt.backward(m.loss(0));
        // l1.weight [5, 3]: 5 + 3; l1.bias [5]: 5; l2.weight [2, 5]: 2 + 5; l2.bias [2]: 2; 4 bytes each
        assertEquals(Map.of("l1.weight", 32L, "l1.bias", 20L, "l2.weight", 28L, "l2.bias", 8L),
                opt.stateBytesPerParameter());
        assertEquals(88L, opt.stateBytes());
    }

    @Test
    void hyperparametersAreValidatedWithPreciseMessages() {
        AdaLomo.Beta2Rule s = AdaLomo.Beta2Rule.SCHEDULE;
        assertEquals("AdaLomo: lr must be finite and ≥ 0, got -1.0", AdafactorTest.message(() ->
                new AdaLomo.Config(-1, 0, s, -0.8, 0.9, 1e-30, 1e-3, 1)));
        assertEquals("AdaLomo: weightDecay must be finite and ≥ 0, got Infinity", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, Double.POSITIVE_INFINITY, s, -0.8, 0.9, 1e-30, 1e-3, 1)));
        assertEquals("AdaLomo: beta2Rule is null; use SCHEDULE or CONSTANT", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, 0, null, -0.8, 0.9, 1e-30, 1e-3, 1)));
        assertEquals("AdaLomo: decayRate must be finite and < 0 so that β₂,t = 1 − t^decayRate rises from 0 towards "
                + "1, got 0.0", AdafactorTest.message(() -> new AdaLomo.Config(1e-3, 0, s, 0, 0.9, 1e-30, 1e-3, 1)));
        assertEquals("AdaLomo: beta2 must be in [0.0, 1.0), got 1.0", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, 0, AdaLomo.Beta2Rule.CONSTANT, -0.8, 1, 1e-30, 1e-3, 1)));
        assertEquals("AdaLomo: eps1 must be finite and > 0, got 0.0", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, 0, s, -0.8, 0.9, 0, 1e-3, 1)));
        assertEquals("AdaLomo: eps2 must be finite and ≥ 0, got -1.0", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, 0, s, -0.8, 0.9, 1e-30, -1, 1)));
        assertEquals("AdaLomo: clipThreshold must be finite and > 0, got -1.0", AdafactorTest.message(() ->
                new AdaLomo.Config(1e-3, 0, s, -0.8, 0.9, 1e-30, 1e-3, -1)));
    }
}

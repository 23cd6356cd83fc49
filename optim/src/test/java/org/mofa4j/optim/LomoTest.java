package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

class LomoTest {

    /**
     * A two-layer tanh MLP with a squared-error loss: x [4, 3] → W1 [5, 3], b1 [5] → tanh → W2 [2, 5], b2 [2].
     * Two instances built with the same seed start bit-identical; batch k's data depends only on k.
     */
    static final class TwoLayer {
        final Variable w1;
        final Variable b1;
        final Variable w2;
        final Variable b2;
        private final DType dtype;

        TwoLayer(DType dtype, long seed) {
            this.dtype = dtype;
            Random r = new Random(seed);
            w1 = Variable.parameter(random(r, dtype, 0.6, 5, 3), "l1.weight");
            b1 = Variable.parameter(random(r, dtype, 0.3, 5), "l1.bias");
            w2 = Variable.parameter(random(r, dtype, 0.6, 2, 5), "l2.weight");
            b2 = Variable.parameter(random(r, dtype, 0.3, 2), "l2.bias");
        }

        List<Variable> params() {
            return List.of(w1, b1, w2, b2);
        }

        Variable loss(int batch) {
            Random r = new Random(1000 + batch);
            Variable x = Variable.constant(random(r, dtype, 1.0, 4, 3));
            Variable y = Variable.constant(random(r, dtype, 1.0, 4, 2));
            Variable h = ElementwiseFns.tanh(MatmulFns.linear(x, w1, b1));
            Variable out = MatmulFns.linear(h, w2, b2);
            return ReduceFns.mean(ElementwiseFns.square(ElementwiseFns.sub(out, y)));
        }

        /** Parameter values, flattened and concatenated, as doubles. */
        double[] values() {
            List<Double> all = new ArrayList<>();
            for (Variable p : params()) {
                for (double v : p.value().toDoubleArray()) {
                    all.add(v);
                }
            }
            return all.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    static Tensor random(Random r, DType dtype, double scale, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * r.nextGaussian();
        }
        return Tensor.of(v, shape).to(dtype);
    }

    /** Registers (before the optimizer's hooks) a hook counting how many gradients are alive when one is ready. */
    static int[] countLiveGradients(List<Variable> params) {
        int[] peak = {0};
        for (Variable p : params) {
            p.addGradReadyHook((param, g) -> {
                int live = 1;   // this one
                for (Variable q : params) {
                    live += q.grad() != null ? 1 : 0;
                }
                peak[0] = Math.max(peak[0], live);
                return false;
            });
        }
        return peak;
    }

    // ------------------------------------------------------------------------------------------ update rule

    @Test
    void updateIsSgdWithDecoupledDecayAndValueClampAgainstFloat64Reference() {
        Random r = new Random(7);
        Variable w = Variable.parameter(random(r, DType.F64, 1, 4, 3), "w");
        Variable b = Variable.parameter(random(r, DType.F64, 1, 3), "b");
        double[][] ref = {w.value().toDoubleArray(), b.value().toDoubleArray()};
        double lr = 0.05;
        double wd = 0.3;
        double clampAt = 0.7;
        Lomo opt = new Lomo(List.of(w, b), new Lomo.Config(lr, wd), new Lomo.Clipping(0, clampAt));
        for (int step = 0; step < 4; step++) {
            List<Variable> ps = List.of(w, b);
            for (int k = 0; k < 2; k++) {
                Tensor g = random(r, DType.F64, 1, ps.get(k).shape());
                ps.get(k).setGrad(g);
                double[] gv = g.toDoubleArray();
                for (int i = 0; i < gv.length; i++) {
                    double gi = Math.max(-clampAt, Math.min(clampAt, gv[i]));
                    ref[k][i] = ref[k][i] * (1 - lr * wd) - lr * gi;
                }
            }
            opt.step();
            opt.zeroGrad();
        }
        assertArrayEquals(ref[0], w.value().toDoubleArray(), 1e-14);
        assertArrayEquals(ref[1], b.value().toDoubleArray(), 1e-14);
    }

    @Test
    void learningRateScaleMultipliesTheStep() {
        Variable w = Variable.parameter(Tensor.of(new double[] {1, 2}, 2), "w");
        Lomo opt = new Lomo(List.of(w), new Lomo.Config(0.1, 0));
        opt.setLrScale(0.5);
        w.setGrad(Tensor.of(new double[] {1, -1}, 2));
        opt.step();
        assertArrayEquals(new double[] {0.95, 2.05}, w.value().toDoubleArray(), 1e-15);
    }

    // ------------------------------------------------------------------------------------------ fused

    @Test
    void fusedBackwardEqualsUnfusedStepAfterNormalBackward() {
        for (DType dt : DType.values()) {
            TwoLayer fused = new TwoLayer(dt, 3);
            TwoLayer plain = new TwoLayer(dt, 3);
            Lomo a = new Lomo(fused.params(), new Lomo.Config(0.1, 0.01));
            Lomo b = new Lomo(plain.params(), new Lomo.Config(0.1, 0.01));
            a.attach();
            for (int step = 0; step < 5; step++) {
                a.backward(fused.loss(step));
                plain.loss(step).backward();
                b.step();
                b.zeroGrad();
            }
            assertArrayEquals(plain.values(), fused.values(), 0.0, dt + ": fused and unfused must agree bit for bit");
        }
    }

    @Test
    void fusedBackwardKeepsNoGradientAndAtMostOneLive() {
        TwoLayer m = new TwoLayer(DType.F32, 4);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0), Lomo.Clipping.globalNorm(0.5));
        int[] peak = countLiveGradients(m.params());
        opt.attach();
        for (int step = 0; step < 3; step++) {
            opt.backward(m.loss(step));   // norm pass + update pass
            for (Variable p : m.params()) {
                assertNull(p.grad(), p.name() + " kept a gradient");
            }
        }
        assertEquals(1, peak[0], "peak number of live gradients");
    }

    @Test
    void eachParameterIsUpdatedInItsOwnHookNotOneLate() {
        TwoLayer m = new TwoLayer(DType.F64, 5);
        double[] w2Before = m.w2.value().toDoubleArray();
        double[] w1Before = m.w1.value().toDoubleArray();
        boolean[] w2UpdatedWhenW1Ready = {false};
        boolean[] w1UntouchedWhenW1Ready = {false};
        // fires just before LOMO's own hook on W1; W2's gradient was final earlier in backward
        m.w1.addGradReadyHook((p, g) -> {
            w2UpdatedWhenW1Ready[0] = !java.util.Arrays.equals(w2Before, m.w2.value().toDoubleArray());
            w1UntouchedWhenW1Ready[0] = java.util.Arrays.equals(w1Before, m.w1.value().toDoubleArray());
            return false;
        });
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        opt.attach();
        opt.backward(m.loss(0));
        assertTrue(w2UpdatedWhenW1Ready[0], "W2 must already be updated, in its own hook");
        assertTrue(w1UntouchedWhenW1Ready[0], "W1 is updated in its own hook, not before");
        assertTrue(!java.util.Arrays.equals(w1Before, m.w1.value().toDoubleArray()), "W1 updated after backward");
    }

    // ------------------------------------------------------------------------------------------ clipping

    @Test
    void twoPassClippingEqualsSgdOnTheGloballyClippedGradient() {
        double lr = 0.2;
        double wd = 0.05;
        double maxNorm = 0.05;   // small enough that every step clips
        TwoLayer fused = new TwoLayer(DType.F64, 6);
        TwoLayer oracle = new TwoLayer(DType.F64, 6);
        Lomo opt = new Lomo(fused.params(), new Lomo.Config(lr, wd), Lomo.Clipping.globalNorm(maxNorm));
        opt.attach();
        for (int step = 0; step < 4; step++) {
            // oracle: a normal backward, the true global norm, then SGD by hand
            oracle.loss(step).backward();
            double sq = 0;
            for (Variable p : oracle.params()) {
                for (double g : p.grad().toDoubleArray()) {
                    sq += g * g;
                }
            }
            double norm = Math.sqrt(sq);
            double coef = Math.min(1, maxNorm / (norm + 1e-6));
            assertTrue(coef < 1, "the test must exercise clipping");
            for (Variable p : oracle.params()) {
                double[] w = p.value().toDoubleArray();
                double[] g = p.grad().toDoubleArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] = w[i] * (1 - lr * wd) - lr * coef * g[i];
                }
                p.value().copyFrom(Tensor.of(w, p.shape()));
                p.zeroGrad();
            }

            Variable loss = fused.loss(step);
            assertEquals(norm, opt.gradNorm(loss), 1e-12, "norm pass");
            loss.backward();
            opt.step();
        }
        assertArrayEquals(oracle.values(), fused.values(), 1e-13);
    }

    @Test
    void updatePassWithoutNormPassThrowsAndUpdatesNothing() {
        TwoLayer m = new TwoLayer(DType.F32, 8);
        double[] before = m.values();
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0), Lomo.Clipping.globalNorm(1.0));
        opt.attach();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.loss(0).backward());
        assertEquals("LOMO: clipping.maxNorm is 1.0 but this step's gradient norm was not computed; call "
                + "gradNorm(loss) before the update backward, or use backward(loss), which runs both passes",
                e.getMessage());
        assertArrayEquals(before, m.values(), 0.0);
    }

    @Test
    void normIsConsumedByOneStep() {
        TwoLayer m = new TwoLayer(DType.F32, 9);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0), Lomo.Clipping.globalNorm(1.0));
        opt.attach();
        opt.backward(m.loss(0));
        // the next step needs its own norm pass: a stale coefficient is never reused
        assertThrows(IllegalStateException.class, () -> m.loss(1).backward());
    }

    // ------------------------------------------------------------------------------------------ protocol

    @Test
    void secondBackwardBeforeStepIsRefusedAsGradientAccumulation() {
        TwoLayer m = new TwoLayer(DType.F32, 10);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        opt.attach();
        m.loss(0).backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.loss(1).backward());
        assertTrue(e.getMessage().startsWith("LOMO: parameter 'l2.weight' received a second gradient in one step. "
                + "Gradient accumulation across micro-batches is not possible"), e.getMessage());
        opt.step();
        m.loss(2).backward();   // fine after step()
    }

    @Test
    void attachRefusesParametersThatAlreadyHoldAGradient() {
        TwoLayer m = new TwoLayer(DType.F32, 11);
        m.loss(0).backward();
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::attach);
        assertTrue(e.getMessage().startsWith("LOMO: attach(): parameter 'l1.weight' already holds a gradient"),
                e.getMessage());
        opt.zeroGrad();
        opt.attach();
        assertTrue(opt.isAttached());
    }

    @Test
    void fusedCallsNeedAttach() {
        TwoLayer m = new TwoLayer(DType.F32, 12);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.backward(m.loss(0)));
        assertEquals("LOMO: backward(loss) runs the fused update and needs attach() first", e.getMessage());
    }

    @Test
    void detachRestoresOrdinaryGradients() {
        TwoLayer m = new TwoLayer(DType.F32, 13);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        opt.attach();
        opt.backward(m.loss(0));
        opt.detach();
        m.loss(1).backward();
        for (Variable p : m.params()) {
            assertTrue(p.grad() != null, p.name());
        }
    }

    // ------------------------------------------------------------------------------------------ memory, config

    @Test
    void hasNoStateBytes() {
        TwoLayer m = new TwoLayer(DType.F32, 14);
        Lomo opt = new Lomo(m.params(), new Lomo.Config(0.1, 0));
        opt.attach();
        opt.backward(m.loss(0));
        assertEquals(0L, opt.stateBytes());
        for (long b : opt.stateBytesPerParameter().values()) {
            assertEquals(0L, b);
        }
    }

    @Test
    void hyperparametersAreValidatedWithPreciseMessages() {
        assertEquals("LOMO: lr must be finite and ≥ 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new Lomo.Config(-0.1, 0)).getMessage());
        assertEquals("LOMO: weightDecay must be finite and ≥ 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new Lomo.Config(0.1, Double.NaN)).getMessage());
        assertEquals("Clipping: maxNorm (0 = off) must be finite and ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new Lomo.Clipping(-1, 0)).getMessage());
        assertEquals("Clipping: maxValue (0 = off) must be finite and ≥ 0, got Infinity",
                assertThrows(IllegalArgumentException.class,
                        () -> new Lomo.Clipping(0, Double.POSITIVE_INFINITY)).getMessage());
    }
}

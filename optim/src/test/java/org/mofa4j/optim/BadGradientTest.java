package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * A NaN or Inf gradient, or state made for another shape, never leaves a step half done: it throws (naming the
 * parameter and where) or, under SKIP_STEP, skips the whole step, and every parameter and state keeps its bits.
 */
class BadGradientTest {

    /** An optimizer under test, built over a list of 2-D parameters. */
    record Case(String name, Function<List<Variable>, Optimizer<?>> build) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> optimizers() {
        return List.of(
                new Case("AdamW", ps -> new AdamW(ps, new AdamW.Config(1e-2, 0.9, 0.95, 1e-8, 0.1))),
                new Case("SGD", ps -> new Sgd(ps, Sgd.Config.momentum(0.1))),
                new Case("MoFaSGD", ps -> new MoFaSgd(ps, MoFaSgd.Config.paper(0.05, 2))),
                new Case("GaLore", ps -> new GaLore(ps, GaLore.Config.defaults(0.01, 2).withUpdateProjGap(2))),
                new Case("Adafactor", ps -> new Adafactor(ps, Adafactor.Config.externalLr(1e-2))),
                new Case("Muon", ps -> new Muon(ps, Muon.Config.defaults(0.02))));
    }

    private static List<Variable> params(DType dtype, int... shapeOfA) {
        Rng rng = new Rng(7);
        return List.of(
                Variable.parameter(rng.normal(dtype, 0, 1, shapeOfA), "a"),
                Variable.parameter(rng.normal(dtype, 0, 1, 3, 5), "b"),
                Variable.parameter(rng.normal(dtype, 0, 1, 5, 4), "c"));
    }

    private static void setGradients(List<Variable> ps, long seed) {
        Rng rng = new Rng(seed);
        for (Variable p : ps) {
            p.setGrad(rng.normal(p.value().dtype(), 0, 1, p.shape()));
        }
    }

    /** Parameters and every state tensor, copied to double arrays, in a fixed order. */
    private static Map<String, double[]> snapshot(List<Variable> ps, Optimizer<?> opt) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Variable p : ps) {
            out.put("param " + p.name(), p.value().toDoubleArray());
        }
        opt.stateDict().forEach((k, v) -> out.put("state " + k, v.toDoubleArray()));
        return out;
    }

    private static void assertBitIdentical(Map<String, double[]> before, Map<String, double[]> after) {
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            double[] x = before.get(k);
            double[] y = after.get(k);
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Double.doubleToRawLongBits(x[i]), Double.doubleToRawLongBits(y[i]), k + "[" + i + "]");
            }
        }
    }

    /** One good step (so state exists), then gradients with a bad value at b[1, 2] (flat index 7). */
    private static List<Variable> afterOneStepWithBadB(Optimizer<?> opt, List<Variable> ps, double bad) {
        setGradients(ps, 1);
        opt.step();
        opt.zeroGrad();
        setGradients(ps, 2);
        ps.get(1).grad().setFlat(7, bad);
        return ps;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void nanGradientThrowsNamingTheParameterAndNothingChanges(Case c) {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            List<Variable> ps = params(DType.F32, 4, 3);
            Optimizer<?> opt = c.build().apply(ps);
            afterOneStepWithBadB(opt, ps, bad);
            Map<String, double[]> before = snapshot(ps, opt);
            ArithmeticException e = assertThrows(ArithmeticException.class, opt::step);
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("flat index 7")
                    && e.getMessage().contains("[1, 2]") && e.getMessage().contains(String.valueOf((float) bad)),
                    e.getMessage());
            assertBitIdentical(before, snapshot(ps, opt));
            assertEquals(0, opt.skippedSteps());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void skipStepLeavesEverythingAndCounts(Case c) {
        List<Variable> ps = params(DType.F64, 4, 3);
        Optimizer<?> opt = c.build().apply(ps);
        opt.setNonFiniteGradPolicy(Optimizer.NonFiniteGradPolicy.SKIP_STEP);
        afterOneStepWithBadB(opt, ps, Double.POSITIVE_INFINITY);
        Map<String, double[]> before = snapshot(ps, opt);
        opt.step();
        assertEquals(1, opt.skippedSteps());
        assertBitIdentical(before, snapshot(ps, opt));
        ps.get(1).grad().setFlat(7, Double.NaN);
        opt.step();
        assertEquals(2, opt.skippedSteps());
        assertBitIdentical(before, snapshot(ps, opt));

        // With finite gradients again the step goes ahead and every parameter moves.
        opt.zeroGrad();
        setGradients(ps, 3);
        opt.step();
        assertEquals(2, opt.skippedSteps());
        Map<String, double[]> after = snapshot(ps, opt);
        for (Variable p : ps) {
            assertFalse(java.util.Arrays.equals(before.get("param " + p.name()), after.get("param " + p.name())),
                    p.name() + " was not updated");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void stateMadeForAnotherShapeIsRefusedNamingTheParameterAndBothShapes(Case c) {
        List<Variable> old = params(DType.F32, 4, 3);
        Optimizer<?> trained = c.build().apply(old);
        setGradients(old, 1);
        trained.step();

        List<Variable> ps = params(DType.F32, 3, 4); // 'a' is now [3, 4]
        Optimizer<?> opt = c.build().apply(ps);
        setGradients(ps, 1);
        opt.step();
        Map<String, double[]> before = snapshot(ps, opt);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.loadStateDict(trained.stateDict()));
        String msg = e.getMessage();
        assertTrue(msg.contains("'a.") || msg.contains("'a'"), msg);
        assertTrue(msg.contains("[4, ") || msg.contains(", 3]") || msg.contains("[3, ") || msg.contains(", 4]"), msg);
        assertBitIdentical(before, snapshot(ps, opt));
    }

    @Test
    void shapeMessageNamesBothParameterShapes() {
        List<Variable> old = params(DType.F32, 4, 3);
        Muon trained = new Muon(old, Muon.Config.defaults());
        setGradients(old, 1);
        trained.step();
        List<Variable> ps = params(DType.F32, 3, 4);
        Muon opt = new Muon(ps, Muon.Config.defaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.loadStateDict(trained.stateDict()));
        assertTrue(e.getMessage().contains("a.momentum") && e.getMessage().contains("[4, 3]")
                && e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void fusedMoFaSgdChecksTheAccumulatedProductsBeforeAnyUpdate() {
        Rng rng = new Rng(3);
        List<Variable> ps = params(DType.F64, 4, 3);
        MoFaSgd opt = new MoFaSgd(ps, MoFaSgd.Config.paper(0.05, 2));
        opt.attach();
        fusedBackward(ps, rng, false);
        opt.step(); // gradient init: the first step runs from a sketch of G₁
        fusedBackward(ps, rng, true);
        Map<String, double[]> before = new LinkedHashMap<>();
        for (Variable p : ps) {
            before.put(p.name(), p.value().toDoubleArray());
        }
        ArithmeticException e = assertThrows(ArithmeticException.class, opt::step);
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("accumulated"), e.getMessage());
        for (Variable p : ps) {
            assertArrayEquals(before.get(p.name()), p.value().toDoubleArray(), 0.0, p.name());
        }

        opt.setNonFiniteGradPolicy(Optimizer.NonFiniteGradPolicy.SKIP_STEP);
        opt.step();
        assertEquals(1, opt.skippedSteps());
        for (Variable p : ps) {
            assertArrayEquals(before.get(p.name()), p.value().toDoubleArray(), 0.0, p.name());
        }
        // The bad products were dropped: the next step runs from clean accumulators.
        fusedBackward(ps, rng, false);
        opt.step();
        assertEquals(1, opt.skippedSteps());
        assertFalse(java.util.Arrays.equals(before.get("b"), ps.get(1).value().toDoubleArray()));
    }

    @Test
    void fusedLomoWithClippingSkipsTheWholeStepWithoutClippingItNamesTheParameter() {
        Rng rng = new Rng(4);
        List<Variable> ps = params(DType.F64, 4, 3);
        Lomo clipped = new Lomo(ps, new Lomo.Config(0.1, 0), FusedUpdateOptimizer.Clipping.globalNorm(1e9));
        clipped.setNonFiniteGradPolicy(Optimizer.NonFiniteGradPolicy.SKIP_STEP);
        clipped.attach();
        Map<String, double[]> before = snapshot(ps, clipped);
        clipped.backward(loss(ps, rng, true)); // the norm pass sees the NaN before any update
        assertEquals(1, clipped.skippedSteps());
        assertBitIdentical(before, snapshot(ps, clipped));
        clipped.backward(loss(ps, rng, false));
        assertEquals(1, clipped.skippedSteps());
        assertFalse(java.util.Arrays.equals(before.get("param b"), ps.get(1).value().toDoubleArray()));
        clipped.detach();

        Lomo plain = new Lomo(ps, new Lomo.Config(0.1, 0));
        plain.attach();
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> loss(ps, rng, true).backward());
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("already updated"), e.getMessage());
    }

    /** loss = Σ (X·p) ⊙ Y over the parameters; a NaN in b's Y makes b's gradient (and only b's) non-finite. */
    private static void fusedBackward(List<Variable> ps, Rng rng, boolean nanInB) {
        loss(ps, rng, nanInB).backward();
    }

    private static Variable loss(List<Variable> ps, Rng rng, boolean nanInB) {
        Variable loss = null;
        for (Variable p : ps) {
            Tensor x = rng.normal(DType.F64, 0, 1, 2, p.shape()[0]);
            Tensor y = rng.normal(DType.F64, 0, 1, 2, p.shape()[1]);
            if (nanInB && p.name().equals("b")) {
                y.setFlat(1, Double.NaN);
            }
            Variable term = ReduceFns.sum(ElementwiseFns.mul(MatmulFns.matmul(Variable.constant(x), p),
                    Variable.constant(y)));
            loss = loss == null ? term : ElementwiseFns.add(loss, term);
        }
        return loss;
    }
}

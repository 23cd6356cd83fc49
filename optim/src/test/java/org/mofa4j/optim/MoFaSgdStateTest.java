package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.optim.MoFaSgdUmfTest.stepWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** State dicts, exact state sizes, hyperparameter validation, 2-D checks and the AdamW-fallback factory. */
class MoFaSgdStateTest {

    private static List<Variable> params(Tensor a, Tensor b) {
        return List.of(Variable.parameter(a.copy(), "blocks.0.attn.w"), Variable.parameter(b.copy(), "blocks.0.mlp.w"));
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(1);
        Tensor a0 = rng.normal(0, 1, 10, 6);
        Tensor b0 = rng.normal(0, 1, 5, 8);
        MoFaSgd.Config c = MoFaSgd.Config.reference(0.01, 3).withBetaWarmup(new MoFaSgd.BetaWarmup(0.5, 0.9, 5));
        List<Variable> ps = params(a0, b0);
        MoFaSgd first = new MoFaSgd(ps, c);
        List<Tensor> grads = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            grads.add(rng.normal(0, 1, 10, 6));
            grads.add(rng.normal(0, 1, 5, 8));
        }
        for (int t = 0; t < 4; t++) {
            ps.get(0).setGrad(grads.get(2 * t));
            ps.get(1).setGrad(grads.get(2 * t + 1));
            first.step();
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        first.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        List<Variable> resumed = params(ps.get(0).value(), ps.get(1).value());
        MoFaSgd second = new MoFaSgd(resumed, c);
        second.loadStateDict(saved);
        for (int t = 4; t < 8; t++) {
            for (List<Variable> run : List.of(ps, resumed)) {
                run.get(0).setGrad(grads.get(2 * t));
                run.get(1).setGrad(grads.get(2 * t + 1));
            }
            first.step();
            second.step();
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(ps.get(i).value().toFloatArray(), resumed.get(i).value().toFloatArray());
        }
        assertEquals(first.stateDict().keySet(), second.stateDict().keySet());
        first.stateDict().forEach((k, v) -> assertArrayEquals(v.toDoubleArray(),
                second.stateDict().get(k).toDoubleArray(), k));
    }

    @Test
    void pendingFusedAccumulatorsRoundTrip() {
        Rng rng = new Rng(2);
        Tensor w0 = rng.normal(0, 1, 7, 5);
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.1, 2).withInit(MoFaSgd.Init.WEIGHT_SVD);
        Variable w = Variable.parameter(w0.copy(), "w");
        MoFaSgd first = new MoFaSgd(List.of(w), c);
        first.attach();
        Supplier<Variable> loss = () -> org.mofa4j.autograd.ReduceFns.sum(org.mofa4j.autograd.ElementwiseFns.square(
                org.mofa4j.autograd.MatmulFns.matmul(Variable.constant(rng.normal(0, 1, 3, 7)), w)));
        loss.get().backward();
        Map<String, Tensor> saved = new LinkedHashMap<>();
        first.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        assertTrue(saved.containsKey("w.GV") && saved.containsKey("w.GtU"));
        Variable w2 = Variable.parameter(w.value().copy(), "w");
        MoFaSgd second = new MoFaSgd(List.of(w2), c);
        second.loadStateDict(saved);
        first.step();
        second.step();
        assertArrayEquals(w.value().toFloatArray(), w2.value().toFloatArray());
    }

    @Test
    void stateBytesAreTheFactorsExactly() {
        Rng rng = new Rng(3);
        List<Variable> ps = params(rng.normal(0, 1, 10, 6), rng.normal(0, 1, 5, 8));
        MoFaSgd opt = new MoFaSgd(ps, MoFaSgd.Config.paper(0.01, 7)); // r = min(7, 10, 6) = 6 and min(7, 5, 8) = 5
        assertEquals(0L, opt.stateBytes());
        ps.get(0).setGrad(rng.normal(0, 1, 10, 6));
        ps.get(1).setGrad(rng.normal(0, 1, 5, 8));
        opt.step();
        assertEquals(6L * (10 + 6 + 1) * 4, opt.stateBytesPerParameter().get("blocks.0.attn.w"));
        assertEquals(5L * (5 + 8 + 1) * 4, opt.stateBytesPerParameter().get("blocks.0.mlp.w"));
        Variable f64 = Variable.parameter(rng.normal(DType.F64, 0, 1, 9, 4), "x");
        MoFaSgd opt64 = new MoFaSgd(List.of(f64), MoFaSgd.Config.paper(0.01, 2));
        stepWith(opt64, f64, rng.normal(DType.F64, 0, 1, 9, 4));
        assertEquals(2L * (9 + 4 + 1) * 8, opt64.stateBytes());
        assertEquals(List.of("x.step", "x.U", "x.S", "x.V"), List.copyOf(opt64.stateDict().keySet()));
    }

    @Test
    void loadRefusesWrongShapesAndUnknownKeysBeforeChangingAnything() {
        Rng rng = new Rng(4);
        Variable w = Variable.parameter(rng.normal(0, 1, 6, 4), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.01, 2));
        stepWith(opt, w, rng.normal(0, 1, 6, 4));
        Map<String, Tensor> good = opt.stateDict();
        Map<String, Tensor> wrongRank = new LinkedHashMap<>(good);
        wrongRank.put("w.U", Tensor.zeros(6, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(wrongRank));
        assertEquals("MoFaSGD: state 'w.U' is F32 [6, 3], expected F32 [6, 2]", e.getMessage());
        Map<String, Tensor> extra = new LinkedHashMap<>(good);
        extra.put("w.m", Tensor.zeros(6, 4));
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(extra));
        assertEquals("MoFaSGD: unexpected optimizer state 'w.m'", e.getMessage());
        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("w.V");
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(missing));
        assertEquals("MoFaSGD: state 'w.V' is missing", e.getMessage());
        assertTrue(opt.factors(w) != null, "the failed loads left the state alone");
    }

    @Test
    void hyperparametersAreValidatedWithPreciseMessages() {
        MoFaSgd.Config ok = MoFaSgd.Config.paper(0.01, 4);
        assertMessage("MoFaSGD: rank must be ≥ 1, got 0", () -> MoFaSgd.Config.paper(0.01, 0));
        assertMessage("MoFaSGD: lr must be finite and ≥ 0, got -0.1", () -> MoFaSgd.Config.paper(-0.1, 4));
        assertMessage("MoFaSGD: beta must be in [0.0, 1.0), got 1.0", () -> ok.withBeta(1.0));
        assertMessage("MoFaSGD: eta1 must be finite and ≥ 0, got NaN", () -> ok.withEtas(Double.NaN, 0));
        assertMessage("MoFaSGD: eta2 must be finite and ≥ 0, got -1.0", () -> ok.withEtas(1, -1));
        assertMessage("MoFaSGD: eps must be finite and ≥ 0, got -1.0E-8",
                () -> ok.withStepShape(MoFaSgd.UpdateForm.SPECTRAL, -1e-8, 1));
        assertMessage("MoFaSGD: maxValue must be finite and > 0, got 0.0",
                () -> ok.withStepShape(MoFaSgd.UpdateForm.RECIPROCAL_CAPPED, 1e-8, 0));
        assertMessage("MoFaSGD: updateForm must not be null", () -> ok.withStepShape(null, 1e-8, 1));
        assertMessage("MoFaSGD: init must not be null", () -> ok.withInit(null));
        assertMessage("MoFaSGD: betaWarmup.steps must be ≥ 1, got 0", () -> new MoFaSgd.BetaWarmup(0.5, 0.9, 0));
        assertMessage("MoFaSGD: betaWarmup.betaEnd must be in [0.0, 1.0), got 1.5",
                () -> new MoFaSgd.BetaWarmup(0.5, 1.5, 10));
    }

    private static void assertMessage(String expected, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void nonMatrixParametersAreRejected() {
        Variable bias = Variable.parameter(Tensor.zeros(8), "blocks.0.mlp.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MoFaSgd(List.of(bias), MoFaSgd.Config.paper(0.01, 2)));
        assertEquals("MoFaSGD: parameter 'blocks.0.mlp.bias' has shape [8]; only 2-D matrices have momentum factors "
                + "(route it to AdamW, see ParameterRouting)", e.getMessage());
    }

    @Test
    void factoryRoutesHiddenMatricesToMoFaSgdAndTheRestToAdamW() {
        Variable hidden = Variable.parameter(Tensor.zeros(8, 6), "blocks.0.mlp.w");
        Variable embedding = Variable.parameter(Tensor.zeros(20, 8), "wte");
        Variable bias = Variable.parameter(Tensor.zeros(6), "blocks.0.mlp.b");
        CompositeOptimizer opt = MoFaSgd.withAdamWFallback(List.of(hidden, embedding, bias),
                MoFaSgd.Config.paper(0.01, 2), AdamW.Config.defaults(1e-3));
        assertEquals("MoFaSGD+AdamW", opt.name());
        assertEquals(List.of(hidden), opt.parts().get(0).parameters());
        assertInstanceOf(MoFaSgd.class, opt.parts().get(0));
        assertEquals(List.of(embedding, bias), opt.parts().get(1).parameters());
    }

    @Test
    void inspectionReturnsCopies() {
        Rng rng = new Rng(5);
        Variable w = Variable.parameter(rng.normal(0, 1, 5, 4), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.01, 2));
        assertEquals(null, opt.factors(w));
        stepWith(opt, w, rng.normal(0, 1, 5, 4));
        opt.factors(w).s().fill(-1);
        assertTrue(opt.factors(w).s().getFlat(0) > 0);
        Variable stranger = Variable.parameter(Tensor.zeros(2, 2), "stranger");
        assertThrows(IllegalArgumentException.class, () -> opt.factors(stranger));
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

class CompositeOptimizerTest {

    /** Sgd with momentum on "blocks.0.mlp.weight" [4, 3], AdamW on "blocks.0.mlp.bias" [3] and "ln.weight" [3]. */
    private record Model(Variable w, Variable b, Variable gain, CompositeOptimizer opt) {
        static Model create(Tensor w0, Tensor b0, Tensor g0) {
            Variable w = Variable.parameter(w0.copy(), "blocks.0.mlp.weight");
            Variable b = Variable.parameter(b0.copy(), "blocks.0.mlp.bias");
            Variable gain = Variable.parameter(g0.copy(), "ln.weight");
            CompositeOptimizer opt = new CompositeOptimizer(List.of(
                    new Sgd(List.of(w), new Sgd.Config(0.1, 0.9, 0, 0, true)),
                    new AdamW(List.of(b, gain), new AdamW.Config(1e-2, 0.9, 0.99, 1e-8, 0.01))));
            return new Model(w, b, gain, opt);
        }

        void step(Rng rng) {
            w.setGrad(rng.normal(0, 1, 4, 3));
            b.setGrad(rng.normal(0, 1, 3));
            gain.setGrad(rng.normal(0, 1, 3));
            opt.step();
        }
    }

    @Test
    void stateDictHoldsEveryPartsKeysUnderParameterNames() {
        Model m = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        m.step(new Rng(1));
        assertEquals(List.of("blocks.0.mlp.weight.step", "blocks.0.mlp.weight.momentum", "blocks.0.mlp.bias.step",
                "blocks.0.mlp.bias.m", "blocks.0.mlp.bias.v", "ln.weight.step", "ln.weight.m", "ln.weight.v"),
                List.copyOf(m.opt().stateDict().keySet()));
        assertEquals("SGD+AdamW", m.opt().name());
        assertEquals(List.of(m.w(), m.b(), m.gain()), m.opt().parameters());
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        Rng rng = new Rng(9);
        Model first = Model.create(rng.normal(0, 1, 4, 3), rng.normal(0, 1, 3), rng.normal(0, 1, 3));
        first.step(rng);
        first.step(rng);
        Model second = Model.create(first.w().value(), first.b().value(), first.gain().value());
        second.opt().loadStateDict(first.opt().stateDict());
        Rng a = new Rng(100);
        Rng b = new Rng(100);
        for (int i = 0; i < 3; i++) {
            first.step(a);
            second.step(b);
        }
        assertArrayEquals(first.w().value().toFloatArray(), second.w().value().toFloatArray());
        assertArrayEquals(first.b().value().toFloatArray(), second.b().value().toFloatArray());
        assertArrayEquals(first.gain().value().toFloatArray(), second.gain().value().toFloatArray());
    }

    @Test
    void unknownKeyIsRefusedBeforeAnyPartLoads() {
        Model m = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        m.step(new Rng(2));
        Map<String, Tensor> before = m.opt().stateDict();
        Tensor momentumBefore = before.get("blocks.0.mlp.weight.momentum").copy();

        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("blocks.0.mlp.weight.step", Tensor.scalar(0));
        bad.put("blocks.0.mlp.weight.momentum", Tensor.zeros(4, 3));
        bad.put("lm_head.weight.m", Tensor.zeros(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.opt().loadStateDict(bad));
        assertEquals("SGD+AdamW: unexpected optimizer state 'lm_head.weight.m'", e.getMessage());
        assertArrayEquals(momentumBefore.toFloatArray(),
                m.opt().stateDict().get("blocks.0.mlp.weight.momentum").toFloatArray());
        assertEquals(1.0, m.opt().stateDict().get("blocks.0.mlp.weight.step").item());
    }

    @Test
    void keyNestedBelowAParameterNameIsNotMistakenForItsState() {
        Model m = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        // "blocks.0.mlp.weight.extra.m" starts with the weight's prefix but names deeper state: refused.
        assertThrows(IllegalArgumentException.class,
                () -> m.opt().loadStateDict(Map.of("blocks.0.mlp.weight.extra.m", Tensor.zeros(2))));
    }

    @Test
    void loadedStateIsCopiedNotShared() {
        Model first = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        first.step(new Rng(4));
        Map<String, Tensor> saved = first.opt().stateDict();
        Model second = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        second.opt().loadStateDict(saved);
        assertNotSame(saved.get("ln.weight.m"), second.opt().stateDict().get("ln.weight.m"));
    }

    @Test
    void parameterInTwoPartsIsRefused() {
        Variable w = Variable.parameter(Tensor.ones(2, 2), "w");
        List<StatefulOptimizer> parts = List.of(new Sgd(List.of(w), Sgd.Config.momentum(0.1)),
                new AdamW(List.of(w), AdamW.Config.defaults(1e-3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CompositeOptimizer(parts));
        assertEquals("CompositeOptimizer: parameter 'w' belongs to two optimizers", e.getMessage());
    }

    @Test
    void lrScaleAndZeroGradReachEveryPart() {
        Model m = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        m.opt().setLrScale(0.5);
        for (StatefulOptimizer part : m.opt().parts()) {
            assertEquals(0.5, ((Optimizer<?>) part).lrScale());
        }
        m.w().setGrad(Tensor.ones(4, 3));
        m.gain().setGrad(Tensor.ones(3));
        m.opt().zeroGrad();
        assertEquals(null, m.w().grad());
        assertEquals(null, m.gain().grad());
    }

    @Test
    void stateBytesAreTheSumOfTheParts() {
        Model m = Model.create(Tensor.ones(4, 3), Tensor.ones(3), Tensor.ones(3));
        m.step(new Rng(6));
        assertEquals(Map.of("blocks.0.mlp.weight", 48L, "blocks.0.mlp.bias", 24L, "ln.weight", 24L),
                m.opt().stateBytesPerParameter());
        assertEquals(96L, m.opt().stateBytes());
    }
}

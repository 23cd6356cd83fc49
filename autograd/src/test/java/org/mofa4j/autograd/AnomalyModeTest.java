package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Tensor;

/** Anomaly mode names the first op that makes a NaN or Inf, in forward or in backward; off, it changes nothing. */
class AnomalyModeTest {
    private static void assertMentions(String message, String... fragments) {
        for (String f : fragments) {
            assertTrue(message.contains(f), "expected '" + f + "' in: " + message);
        }
    }

    @Test
    void forwardNamesTheOpItsShapesAndTheParameter() {
        Variable w = Variable.parameter(Tensor.of(new float[] {1, -2, 3, 4, 5, 6}, 2, 3), "layer.weight");
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            Variable ok = ElementwiseFns.exp(w);
            AnomalyException e = assertThrows(AnomalyException.class, () -> ElementwiseFns.log(w));
            assertEquals("log", e.op());
            assertEquals("forward", e.phase());
            assertMentions(e.getMessage(), "forward of 'log'", "NaN", "at [0, 1]", "output [2, 3] F32",
                    "[2, 3] F32 'layer.weight'", "every input is finite");
            assertTrue(ok.requiresGrad());
        }
    }

    @Test
    void layerScopesNestAndAppearInTheMessage() {
        Variable x = Variable.parameter(Tensor.of(new float[] {0, 1}, 2), "x");
        try (AnomalyMode.Scope _ = AnomalyMode.enabled();
                AnomalyMode.Scope _ = AnomalyMode.layer("blocks.1");
                AnomalyMode.Scope _ = AnomalyMode.layer("mlp")) {
            Variable y = ElementwiseFns.mul(x, 2.0);
            AnomalyException e = assertThrows(AnomalyException.class,
                    () -> ElementwiseFns.div(Variable.constant(Tensor.ones(2)), y));
            assertEquals("blocks.1.mlp", e.layer());
            assertMentions(e.getMessage(), "forward of 'div' in layer blocks.1.mlp", "Infinity", "at [0]",
                    "[2] F32 from 'mul'", "nearest parameter upstream: 'x'");
        }
    }

    @Test
    void backwardNamesTheRuleAndTheParameterWhoseGradientWentBad() {
        // sqrt(0) = 0 is finite, but its derivative 1/(2·sqrt 0) is +Inf
        Variable w = Variable.parameter(Tensor.of(new float[] {4, 0, 9}, 3), "scale");
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            Variable loss = ReduceFns.sum(ElementwiseFns.sqrt(w));
            AnomalyException e = assertThrows(AnomalyException.class, loss::backward);
            assertEquals("backward", e.phase());
            assertEquals("sqrt", e.op());
            assertMentions(e.getMessage(), "backward of 'sqrt'", "Infinity", "at [1]", "gradient of input 0",
                    "parameter 'scale'", "forward inputs [3] F32 → output [3]", "incoming gradient is finite");
        }
    }

    @Test
    void aNonFiniteInputIsReportedAsPropagated() {
        Variable w = Variable.parameter(Tensor.of(new float[] {1, Float.NaN}, 2), "ln_f.weight");
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            AnomalyException e = assertThrows(AnomalyException.class, () -> ElementwiseFns.mul(w, 3.0));
            assertMentions(e.getMessage(), "'ln_f.weight'", "input 0 already holds NaN at [1]", "propagated");
        }
    }

    @Test
    void offByDefaultNonFiniteValuesFlowSilently() {
        assertFalse(AnomalyMode.isEnabled());
        Variable w = Variable.parameter(Tensor.of(new float[] {4, 0, 9}, 3), "scale");
        Variable loss = ReduceFns.sum(ElementwiseFns.sqrt(w));
        loss.backward();
        assertEquals(Double.POSITIVE_INFINITY, w.grad().get(1));
        assertTrue(Double.isNaN(ElementwiseFns.log(Variable.constant(Tensor.vector(-1f))).value().item()));
    }

    @Test
    void closingTheScopeTurnsItOffAgainAndLayerScopesAreNoOpsWhenOff() {
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            assertTrue(AnomalyMode.isEnabled());
        }
        assertFalse(AnomalyMode.isEnabled());
        try (AnomalyMode.Scope _ = AnomalyMode.layer("ignored")) {
            try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
                assertNull(AnomalyMode.currentLayer(), "a layer opened while off is not recorded");
            }
        }
    }

    @Test
    void closingAScopeTwiceLeavesTheSwitchBalanced() {
        AnomalyMode.Scope scope = AnomalyMode.enabled();
        scope.close();
        scope.close();
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            assertTrue(AnomalyMode.isEnabled());
        }
        assertFalse(AnomalyMode.isEnabled());
    }

    @Test
    void theSwitchIsPerThread() throws InterruptedException {
        AtomicReference<Throwable> other = new AtomicReference<>();
        try (AnomalyMode.Scope _ = AnomalyMode.enabled()) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    assertFalse(AnomalyMode.isEnabled());
                    ElementwiseFns.log(Variable.parameter(Tensor.vector(-1f), "p")); // no exception here
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.join();
        }
        assertNull(other.get());
    }
}

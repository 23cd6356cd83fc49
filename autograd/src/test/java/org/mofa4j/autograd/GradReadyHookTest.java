package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/** Gradient-ready hooks: timing, order, consumption, and the memory they save. */
class GradReadyHookTest {

    private static Variable param(String name, double... values) {
        return Variable.parameter(Tensor.of(values, values.length), name);
    }

    @Test
    void hookFiresOnceWithTheSummedGradientOfATiedWeight() {
        Variable w = param("w", 2.0);
        List<Double> seen = new ArrayList<>();
        w.addGradReadyHook((p, g) -> {
            seen.add(g.item());
            return false;
        });
        // w used at the start and at the end of the graph: L = (w·3)·w + w → dL/dw = 6w + 1 = 13
        Variable y = ElementwiseFns.mul(ElementwiseFns.mul(w, 3.0), w);
        BackwardEngineTest.total(ElementwiseFns.add(y, w)).backward();
        assertEquals(List.of(13.0), seen);
        assertEquals(13.0, w.grad().item());
    }

    @Test
    void hooksFireInReverseTopologicalOrder() {
        // x → h1 = x·a → h2 = h1·b → h3 = h2·c → L: c's gradient is final first, then b, then a.
        Variable x = Variable.constant(Tensor.of(new double[] {1.5}, 1));
        Variable a = param("a", 2.0);
        Variable b = param("b", 3.0);
        Variable c = param("c", 4.0);
        List<String> order = new ArrayList<>();
        for (Variable p : List.of(a, b, c)) {
            p.addGradReadyHook((q, g) -> {
                order.add(q.name());
                return false;
            });
        }
        Variable h = ElementwiseFns.mul(ElementwiseFns.mul(ElementwiseFns.mul(x, a), b), c);
        BackwardEngineTest.total(h).backward();
        assertEquals(List.of("c", "b", "a"), order);
    }

    @Test
    void hookFiresBeforeLaterNodesRun() {
        // When a's hook fires, b (consumed earlier in the forward) must not be final yet.
        Variable a = param("a", 1.0);
        Variable b = param("b", 1.0);
        boolean[] bDoneWhenAFired = new boolean[1];
        a.addGradReadyHook((p, g) -> {
            bDoneWhenAFired[0] = b.grad() != null;
            return false;
        });
        Variable h = ElementwiseFns.mul(ElementwiseFns.exp(b), 2.0); // b is deep in the graph
        BackwardEngineTest.total(ElementwiseFns.mul(h, a)).backward(); // a is consumed by the last op
        assertEquals(false, bDoneWhenAFired[0]);
        assertTrue(b.grad() != null);
    }

    @Test
    void consumingHookLeavesNoGradient() {
        Variable w = param("w", 1.0, 2.0);
        double[] received = new double[2];
        w.addGradReadyHook((p, g) -> {
            received[0] = g.getFlat(0);
            received[1] = g.getFlat(1);
            return true;
        });
        BackwardEngineTest.total(ElementwiseFns.mul(w, w)).backward();
        assertArrayEquals(new double[] {2.0, 4.0}, received, 0.0);
        assertNull(w.grad());
    }

    @Test
    void hooksAreOnlyForLeavesThatRequireGrad() {
        Variable c = Variable.constant(Tensor.zeros(DType.F64, 1));
        assertThrows(IllegalStateException.class, () -> c.addGradReadyHook((p, g) -> true));
        Variable y = ElementwiseFns.exp(param("x", 1.0));
        assertThrows(IllegalStateException.class, () -> y.addGradReadyHook((p, g) -> true));
    }

    /**
     * Peak gradient memory with consuming hooks is one parameter's gradient. A stack of 8 "layers"
     * h ← tanh(h ⊙ wᵢ) with 1M-element weights; at every hook firing we add up the bytes of all parameter
     * gradients that are still alive. Liveness is measured, not assumed: every gradient a hook saw is held
     * through a weak reference, and after a GC at the next firing it must be gone.
     */
    @Test
    void peakGradientMemoryWithConsumingHooksIsOneParameter() {
        int layers = 8;
        int size = 1 << 20;
        long paramBytes = 4L * size;
        List<Variable> params = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            params.add(Variable.parameter(Tensor.full(0.5, size), "w" + i));
        }
        Variable x = Variable.constant(Tensor.full(1.0, size));

        long[] peakWithHooks = {0};
        List<WeakReference<Tensor>> seen = new ArrayList<>();
        for (Variable p : params) {
            p.addGradReadyHook((q, g) -> {
                System.gc();
                long alive = 4L * g.numel();
                for (WeakReference<Tensor> ref : seen) {
                    alive += ref.get() == null ? 0 : 4L * ref.get().numel();
                }
                for (Variable other : params) {
                    alive += other.grad() == null ? 0 : 4L * other.grad().numel();
                }
                peakWithHooks[0] = Math.max(peakWithHooks[0], alive);
                seen.add(new WeakReference<>(g));
                return true; // an optimizer would update q here and drop g
            });
        }
        forward(x, params).backward(Tensor.ones(size), false);
        assertEquals(layers, seen.size());
        assertEquals(paramBytes, peakWithHooks[0], "peak live gradient bytes with consuming hooks");

        // Without hooks every gradient is alive at the end: 8 parameters' worth.
        for (Variable p : params) {
            p.clearGradReadyHooks();
        }
        forward(x, params).backward(Tensor.ones(size), false);
        long alive = 0;
        for (Variable p : params) {
            alive += 4L * p.grad().numel();
        }
        assertEquals(layers * paramBytes, alive);
    }

    private static Variable forward(Variable x, List<Variable> params) {
        Variable h = x;
        for (Variable w : params) {
            h = ElementwiseFns.tanh(ElementwiseFns.mul(h, w));
        }
        return h;
    }
}

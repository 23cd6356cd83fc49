package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Tensor;

/** The per-op backward observer: which ops it sees, when, and on which thread. */
class BackwardObserverTest {

    private static Variable param(String name, double... values) {
        return Variable.parameter(Tensor.of(values, values.length), name);
    }

    @Test
    void seesEveryOpOnceInBackwardOrderAfterItsLeafHooks() {
        // L = total(exp(a·b) + a): backward runs total, add, exp, mul. a feeds both mul and add, so its gradient
        // is final only inside mul's step, with b's; the observer sees mul after both hooks.
        Variable a = param("a", 0.5, -1.0);
        Variable b = param("b", 2.0, 3.0);
        List<String> events = new ArrayList<>();
        for (Variable p : List.of(a, b)) {
            p.addGradReadyHook((q, g) -> {
                events.add("hook " + q.name());
                return false;
            });
        }
        Variable loss = BackwardEngineTest.total(ElementwiseFns.add(ElementwiseFns.exp(ElementwiseFns.mul(a, b)), a));
        try (BackwardObserver.Scope ignored = BackwardObserver.observe(op -> events.add("node " + op))) {
            loss.backward();
        }
        assertEquals(List.of("node total", "node add", "node exp", "hook a", "hook b", "node mul"), events);
    }

    @Test
    void runsBeforeTheOpFreesItsSavedTensors() {
        Variable a = param("a", 1.0, 2.0);
        Variable y = ElementwiseFns.mul(a, a);
        Node mul = y.gradFn();
        List<Boolean> releasedWhenSeen = new ArrayList<>();
        try (BackwardObserver.Scope ignored = BackwardObserver.observe(op -> {
            if (op.equals("mul")) {
                releasedWhenSeen.add(mul.isReleased());
            }
        })) {
            BackwardEngineTest.total(y).backward();
        }
        assertEquals(List.of(false), releasedWhenSeen);
        assertTrue(mul.isReleased());
    }

    @Test
    void closingRestoresThePreviousObserverAndThenNone() {
        List<String> outer = new ArrayList<>();
        List<String> inner = new ArrayList<>();
        try (BackwardObserver.Scope o = BackwardObserver.observe(outer::add)) {
            try (BackwardObserver.Scope i = BackwardObserver.observe(inner::add)) {
                BackwardEngineTest.total(ElementwiseFns.exp(param("p", 1.0))).backward();
            }
            BackwardEngineTest.total(ElementwiseFns.exp(param("p", 1.0))).backward();
        }
        BackwardEngineTest.total(ElementwiseFns.exp(param("p", 1.0))).backward();
        assertEquals(List.of("total", "exp"), inner);
        assertEquals(List.of("total", "exp"), outer);
    }

    @Test
    void otherThreadsPassesAreNotSeen() throws InterruptedException {
        List<String> seen = new ArrayList<>();
        try (BackwardObserver.Scope ignored = BackwardObserver.observe(seen::add)) {
            Thread t = new Thread(() -> BackwardEngineTest.total(ElementwiseFns.exp(param("p", 1.0))).backward());
            t.start();
            t.join();
        }
        assertFalse(seen.contains("exp"), "seen: " + seen);
        assertThrows(IllegalArgumentException.class, () -> BackwardObserver.observe(null));
    }
}

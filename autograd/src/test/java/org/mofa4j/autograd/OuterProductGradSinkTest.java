package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** linear's weight gradient offered in factored form G = dYᵀ·X to the weight's sink. */
class OuterProductGradSinkTest {
    private static final Rng RNG = new Rng(11);

    /** loss = Σ tanh(x·Wᵀ + b) ⊙ y for x [2, 3, 5], W [4, 5]. */
    private static void backward(Variable w, Variable b, Tensor x, Tensor y) {
        Variable h = ElementwiseFns.tanh(MatmulFns.linear(Variable.constant(x), w, b));
        ReduceFns.sum(ElementwiseFns.mul(h, Variable.constant(y))).backward();
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        assertEquals(x.length, y.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @Test
    void consumingSinkReceivesFactorsWhoseProductIsTheDenseGradient() {
        Tensor x = RNG.normal(DType.F64, 0, 1, 2, 3, 5);
        Tensor y = RNG.normal(DType.F64, 0, 1, 2, 3, 4);
        Tensor w0 = RNG.normal(DType.F64, 0, 1, 4, 5);
        Variable reference = Variable.parameter(w0.copy(), "ref");
        Variable refBias = Variable.parameter(Tensor.zeros(DType.F64, 4), "refBias");
        backward(reference, refBias, x, y);

        Variable w = Variable.parameter(w0.copy(), "w");
        Variable bias = Variable.parameter(Tensor.zeros(DType.F64, 4), "bias");
        Tensor[] received = new Tensor[1];
        AtomicInteger hookCalls = new AtomicInteger();
        w.addGradReadyHook((p, g) -> {
            hookCalls.incrementAndGet();
            return false;
        });
        w.setOuterProductGradSink((p, left, right) -> {
            assertEquals(6, left.dim(0), "leading axes flatten into N");
            received[0] = left.t().matmul(right); // [4, 6]·[6, 5]
            return true;
        });
        backward(w, bias, x, y);
        assertNotNull(received[0]);
        assertNull(w.grad(), "a consumed contribution never reaches grad()");
        assertEquals(0, hookCalls.get(), "nor the gradient-ready hooks");
        assertEquals(0, maxAbsDiff(received[0], reference.grad()), 1e-12);
        assertEquals(0, maxAbsDiff(bias.grad(), refBias.grad()), 0, "the bias gradient is unchanged");
    }

    @Test
    void decliningSinkLeavesTheDenseGradient() {
        Tensor x = RNG.normal(DType.F64, 0, 1, 3, 5);
        Tensor y = RNG.normal(DType.F64, 0, 1, 3, 4);
        Tensor w0 = RNG.normal(DType.F64, 0, 1, 4, 5);
        Variable reference = Variable.parameter(w0.copy(), "ref");
        backward(reference, null, x, y);
        Variable w = Variable.parameter(w0.copy(), "w");
        w.setOuterProductGradSink((p, left, right) -> false);
        backward(w, null, x, y);
        assertEquals(0, maxAbsDiff(w.grad(), reference.grad()), 0);
    }

    @Test
    void onlyTrainableLeavesTakeASink() {
        Variable frozen = Variable.constant(Tensor.zeros(DType.F64, 2, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> frozen.setOuterProductGradSink((p, l, r) -> true));
        assertNotNull(e.getMessage());
    }
}

package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/** The backward engine: accumulation, ordering, freeing, grad mode, detach and saved-tensor safety. */
class BackwardEngineTest {

    /** Σ v, written with a plain loop so these tests depend only on the engine and elementwise ops. */
    static Variable total(Variable v) {
        Tensor x = v.value();
        double s = 0;
        for (int i = 0; i < x.numel(); i++) {
            s += x.getFlat(i);
        }
        return Node.op("total", Tensor.scalar(x.dtype(), s)).inputs(v)
                .backward((ctx, g) -> new Tensor[] {Tensor.full(g.dtype(), g.item(), ctx.inputShape(0))});
    }

    private static Variable param(double... values) {
        return Variable.parameter(Tensor.of(values, values.length), "p");
    }

    @Test
    void gradientsSumWhereAValueIsUsedTwice() {
        Variable x = param(1.5, -2.0);
        // L = Σ (x·x + x) → dL/dx = 2x + 1
        total(ElementwiseFns.add(ElementwiseFns.mul(x, x), x)).backward();
        assertArrayEquals(new double[] {4.0, -3.0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void sameInputTwiceInOneOpGetsBothContributions() {
        Variable x = param(3.0);
        total(ElementwiseFns.add(x, x)).backward();
        assertArrayEquals(new double[] {2.0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Variable x = param(2.0);
        total(ElementwiseFns.mul(x, x)).backward();
        total(ElementwiseFns.mul(x, x)).backward();
        assertArrayEquals(new double[] {8.0}, x.grad().toDoubleArray(), 0.0);
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        Variable x = param(1.0);
        Variable y = x;
        for (int i = 0; i < 100_000; i++) {
            y = ElementwiseFns.add(y, 1.0);
        }
        total(y).backward();
        assertArrayEquals(new double[] {1.0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void resultsAreBitIdenticalAcrossRuns() {
        double[] first = null;
        for (int run = 0; run < 3; run++) {
            Variable a = param(0.1, 0.2, 0.3);
            Variable b = param(0.7, -0.4, 0.9);
            Variable h = ElementwiseFns.mul(ElementwiseFns.exp(a), b);
            Variable loss = total(ElementwiseFns.add(ElementwiseFns.mul(h, a), ElementwiseFns.tanh(h)));
            loss.backward();
            double[] g = a.grad().toDoubleArray();
            if (first == null) {
                first = g;
            } else {
                assertArrayEquals(first, g, 0.0);
            }
        }
    }

    @Test
    void backwardTwiceThroughAFreedGraphExplains() {
        Variable x = param(2.0);
        Variable loss = total(ElementwiseFns.mul(x, x));
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("already freed"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondPass() {
        Variable x = param(2.0);
        Variable loss = total(ElementwiseFns.mul(x, x));
        loss.backward(Tensor.scalar(DType.F64, 1.0), true);
        loss.backward(Tensor.scalar(DType.F64, 1.0), false);
        assertArrayEquals(new double[] {8.0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void nonScalarOutputNeedsASeed() {
        Variable x = param(1, 2, 3);
        Variable y = ElementwiseFns.mul(x, 2.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("not a scalar"), e.getMessage());
        y.backward(Tensor.of(new double[] {1, 10, 100}, 3), false);
        assertArrayEquals(new double[] {2, 20, 200}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void seedOfTheWrongShapeIsRefused() {
        Variable y = ElementwiseFns.mul(param(1, 2, 3), 2.0);
        assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(DType.F64, 2), false));
    }

    @Test
    void backwardOnAConstantExplains() {
        Variable c = Variable.constant(Tensor.scalar(DType.F64, 1.0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> total(c).backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void gradModeDisabledRecordsNothingAndRestores() {
        Variable x = param(1.0);
        try (GradMode.Scope outer = GradMode.disabled()) {
            Variable y = ElementwiseFns.mul(x, x);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (GradMode.Scope inner = GradMode.enabled()) {
                assertTrue(ElementwiseFns.mul(x, x).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void detachStopsTheGradient() {
        Variable x = param(3.0);
        // L = x · detach(x) → dL/dx = detach(x) = 3, not 2x = 6
        total(ElementwiseFns.mul(x, x.detach())).backward();
        assertArrayEquals(new double[] {3.0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void inPlaceChangeOfASavedTensorIsDetected() {
        Variable x = param(1.0, 2.0);
        Variable w = param(3.0, 4.0);
        Variable loss = total(ElementwiseFns.mul(x, w));
        w.value().mulInPlace(2.0); // mul saved w's value for dL/dx
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void inPlaceChangeThroughAViewIsDetected() {
        Variable w = Variable.parameter(Tensor.of(new double[] {1, 2, 3, 4}, 2, 2), "w");
        Variable loss = total(ElementwiseFns.exp(w));
        Tensor savedOutputView = loss.value(); // not saved: changing it is harmless
        savedOutputView.mulInPlace(1.0);
        w.value().narrow(0, 1, 1).fill(0.0); // a view of w's storage, but exp saved its output, not w
        loss.backward(); // exp's saved output is untouched, so this is fine
        Variable w2 = Variable.parameter(Tensor.of(new double[] {1, 2, 3, 4}, 2, 2), "w2");
        Variable y = ElementwiseFns.exp(w2);
        Variable loss2 = total(y);
        y.value().transpose(0, 1).set(5.0, 0, 1); // exp saved y's value: a write through a view must be caught
        assertThrows(IllegalStateException.class, loss2::backward);
    }

    @Test
    void retainGradKeepsANonLeafGradient() {
        Variable x = param(2.0);
        Variable y = ElementwiseFns.mul(x, 3.0).retainGrad();
        total(ElementwiseFns.mul(y, y)).backward();
        assertArrayEquals(new double[] {12.0}, y.grad().toDoubleArray(), 0.0); // 2y = 12
        assertArrayEquals(new double[] {36.0}, x.grad().toDoubleArray(), 0.0); // 2y·3
    }

    @Test
    void userSeedIsNeverModified() {
        Variable x = param(1.0, 2.0);
        Variable y = ElementwiseFns.add(x, x);
        Tensor seed = Tensor.of(new double[] {1, 1}, 2);
        y.backward(seed, false);
        assertArrayEquals(new double[] {1, 1}, seed.toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {2, 2}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void leafGradientsAreNotAliasedToEachOther() {
        Variable a = param(1.0);
        Variable b = param(2.0);
        total(ElementwiseFns.add(a, b)).backward(); // add hands the same tensor to both inputs
        a.grad().mulInPlace(10.0);
        assertEquals(1.0, b.grad().item());
    }

    @Test
    void leafGradientsOwnTheirWholeStorage() {
        // concat's backward hands each input a slice of one gradient; leaves must not keep those slices
        Variable a = Variable.parameter(Tensor.ones(DType.F64, 2, 3), "a");
        Variable b = Variable.parameter(Tensor.ones(DType.F64, 1, 3), "b");
        ElementwiseFns.mul(IndexFns.concat(0, a, b), 2.0).backward(Tensor.ones(DType.F64, 3, 3), false);
        assertFalse(a.grad().sharesStorage(b.grad()));
        assertTrue(a.grad().coversStorage() && b.grad().coversStorage());
        assertArrayEquals(new double[] {2, 2, 2}, b.grad().toDoubleArray(), 0.0);
    }

    @Test
    void setGradChecksTheShape() {
        Variable x = param(1.0, 2.0);
        assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.zeros(DType.F64, 3)));
    }
}

package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mofa4j.tensor.Tensor;

/**
 * {@link SoftmaxFns}: numeric gradient checks along every axis and on non-contiguous inputs, agreement with
 * exp(x − max)/Σ exp(x − max) and x − max − log Σ exp(x − max) built from primitive ops, float32 sanity.
 */
class SoftmaxFnsTest {

    /** exp(x − max)/Σ exp(x − max) along {@code axis}, from primitive differentiable ops. */
    static Variable softmaxDecomposed(Variable x, int axis) {
        Variable shifted = ElementwiseFns.sub(x, ReduceFns.max(x, new int[] {axis}, true));
        Variable e = ElementwiseFns.exp(shifted);
        return ElementwiseFns.div(e, ReduceFns.sum(e, new int[] {axis}, true));
    }

    /** (x − max) − log Σ exp(x − max) along {@code axis}, from primitive differentiable ops. */
    static Variable logSoftmaxDecomposed(Variable x, int axis) {
        Variable shifted = ElementwiseFns.sub(x, ReduceFns.max(x, new int[] {axis}, true));
        Variable sum = ReduceFns.sum(ElementwiseFns.exp(shifted), new int[] {axis}, true);
        return ElementwiseFns.sub(shifted, ElementwiseFns.log(sum));
    }

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {0, 1, 2, -1})
    void softmaxGradientMatchesNumericAlongEveryAxis(int axis) {
        assertGradOk("softmax axis " + axis, v -> SoftmaxFns.softmax(v[0], axis), random(1, 2, 3, 4).mul(2));
    }

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {0, 1, 2, -1})
    void logSoftmaxGradientMatchesNumericAlongEveryAxis(int axis) {
        assertGradOk("logSoftmax axis " + axis, v -> SoftmaxFns.logSoftmax(v[0], axis), random(2, 2, 3, 4).mul(2));
    }

    @Test
    void gradientsOfNonContiguousInputsMatchNumeric() {
        assertGradOk("softmax transposed", v -> SoftmaxFns.softmax(v[0], -1), transposed(random(3, 2, 3, 4)));
        assertGradOk("softmax strided", v -> SoftmaxFns.softmax(v[0], -1), strided(random(4, 3, 4)));
        assertGradOk("logSoftmax transposed", v -> SoftmaxFns.logSoftmax(v[0], 1), transposed(random(5, 2, 3, 4)));
    }

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {0, 2, -1})
    void softmaxMatchesItsDecomposition(int axis) {
        assertMatchesDecomposition("softmax axis " + axis, v -> SoftmaxFns.softmax(v[0], axis),
                v -> softmaxDecomposed(v[0], axis), transposed(random(6, 2, 3, 5).mul(4)));
    }

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {0, 2, -1})
    void logSoftmaxMatchesItsDecomposition(int axis) {
        assertMatchesDecomposition("logSoftmax axis " + axis, v -> SoftmaxFns.logSoftmax(v[0], axis),
                v -> logSoftmaxDecomposed(v[0], axis), transposed(random(7, 2, 3, 5).mul(4)));
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        Tensor x = random(8, 4, 33).mul(10);
        assertF32Close("softmax", v -> SoftmaxFns.softmax(v[0], -1), 1e-6, x);
        assertF32Close("logSoftmax", v -> SoftmaxFns.logSoftmax(v[0], -1), 1e-5, x);
    }

    @Test
    void softmaxRowsSumToOneAndLogSoftmaxIsItsLog() {
        Tensor x = random(9, 3, 6).mul(5);
        Tensor p = SoftmaxFns.softmax(Variable.constant(x), 1).value();
        Tensor logP = SoftmaxFns.logSoftmax(Variable.constant(x), 1).value();
        for (int r = 0; r < 3; r++) {
            assertEquals(1.0, p.narrow(0, r, 1).sumAll(), 1e-14);
        }
        for (int j = 0; j < p.numel(); j++) {
            assertEquals(Math.log(p.getFlat(j)), logP.getFlat(j), 1e-13);
        }
    }
}

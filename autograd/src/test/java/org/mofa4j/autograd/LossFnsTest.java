package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * {@link LossFns#crossEntropy}: numeric gradient checks ([N, C] and [B, T, C], ignored targets, transposed
 * logits), agreement with −mean(gather(logSoftmax)), zero gradient on ignored rows, the all-ignored NaN, the
 * out-of-range error, float32 sanity.
 */
class LossFnsTest {
    private static final int IGNORE = -100;

    /** −Σ_{valid} logSoftmax(z)[t] / #valid from primitive ops: logSoftmax, gather, a 0/1 mask, sum, div. */
    static Variable crossEntropyDecomposed(Variable logits, IntTensor targets, int ignoreIndex) {
        int classes = logits.value().dim(-1);
        int n = targets.numel();
        Variable z = ShapeFns.reshape(logits, n, classes);                                  // [N, C]
        int[] safe = new int[n];
        Tensor keep = Tensor.zeros(DType.F64, n, 1);                                       // 1 where not ignored
        int count = 0;
        for (int i = 0; i < n; i++) {
            boolean valid = targets.data()[i] != ignoreIndex;
            safe[i] = valid ? targets.data()[i] : 0;
            keep.setFlat(i, valid ? 1 : 0);
            count += valid ? 1 : 0;
        }
        Variable picked = IndexFns.gather(SoftmaxFnsTest.logSoftmaxDecomposed(z, 1), 1, IntTensor.wrap(safe, n, 1));
        Variable kept = ElementwiseFns.mul(picked, Variable.constant(keep));               // [N, 1]
        return ElementwiseFns.mul(ReduceFns.sum(kept), -1.0 / count);
    }

    @Test
    void gradientMatchesNumericFor2dLogits() {
        IntTensor t = IntTensor.vector(2, 0, 4, 1);
        assertGradOk("crossEntropy [4,5]", v -> LossFns.crossEntropy(v[0], t, IGNORE), random(1, 4, 5).mul(3));
    }

    @Test
    void gradientMatchesNumericForSequenceLogitsWithIgnoredTargets() {
        IntTensor t = IntTensor.of(new int[] {1, IGNORE, 3, 0, 2, IGNORE}, 2, 3);
        assertGradOk("crossEntropy [2,3,4]", v -> LossFns.crossEntropy(v[0], t, IGNORE), random(2, 2, 3, 4).mul(3));
        IntTensor t2 = IntTensor.of(new int[] {1, 0, 3, 0, 2, 0}, 2, 3);
        assertGradOk("crossEntropy ignoreIndex 0", v -> LossFns.crossEntropy(v[0], t2, 0), random(3, 2, 3, 4));
    }

    @Test
    void gradientOfTransposedLogitsMatchesNumeric() {
        IntTensor t = IntTensor.vector(0, 3, 3);
        assertGradOk("crossEntropy transposed", v -> LossFns.crossEntropy(v[0], t, IGNORE),
                transposed(random(4, 3, 4)));
    }

    @Test
    void matchesLogSoftmaxGatherDecomposition() {
        IntTensor t = IntTensor.of(new int[] {1, IGNORE, 3, 0, 2, 3, IGNORE, 1, 0, 2}, 2, 5);
        assertMatchesDecomposition("crossEntropy", v -> LossFns.crossEntropy(v[0], t, IGNORE),
                v -> crossEntropyDecomposed(v[0], t, IGNORE), transposed(random(5, 2, 5, 4).mul(4)));
    }

    @Test
    void lossIsMinusMeanLogProbabilityOfTheTargets() {
        Tensor z = Tensor.of(new double[] {0, 0, Math.log(2), 5, 5, 5}, 2, 3);
        double loss = LossFns.crossEntropy(Variable.constant(z), IntTensor.vector(2, 1), IGNORE).value().item();
        assertEquals(-(Math.log(0.5) + Math.log(1.0 / 3)) / 2, loss, 1e-14);
    }

    @Test
    void ignoredPositionsGetZeroGradientAndDoNotCountInTheMean() {
        Tensor z = random(6, 3, 4);
        Variable logits = Variable.parameter(z);
        LossFns.crossEntropy(logits, IntTensor.vector(1, IGNORE, 2), IGNORE).backward();
        for (int c = 0; c < 4; c++) {
            assertEquals(0.0, logits.grad().get(1, c), "ignored row, class " + c);
        }
        // the other rows are (softmax − onehot)/2: divided by the 2 counted targets, not by 3
        Tensor p = z.softmax(1);
        assertEquals((p.get(0, 1) - 1) / 2, logits.grad().get(0, 1), 1e-15);
        assertEquals(p.get(2, 3) / 2, logits.grad().get(2, 3), 1e-15);
    }

    @Test
    void allTargetsIgnoredGivesNaNLossAndZeroGradientLikePyTorch() {
        Variable logits = Variable.parameter(random(7, 2, 3));
        Variable loss = LossFns.crossEntropy(logits, IntTensor.vector(IGNORE, IGNORE), IGNORE);
        assertTrue(Double.isNaN(loss.value().item()), "loss " + loss.value().item());
        loss.backward();
        for (int j = 0; j < 6; j++) {
            assertEquals(0.0, logits.grad().getFlat(j));
        }
    }

    @Test
    void targetOutOfRangeIsRejectedNamingPositionAndValue() {
        Variable logits = Variable.constant(random(8, 2, 3, 4));
        IntTensor t = IntTensor.of(new int[] {0, 1, 2, 3, 4, 0}, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LossFns.crossEntropy(logits, t, IGNORE));
        assertTrue(e.getMessage().contains("target 4 at position [1, 1]"), e.getMessage());
        IntTensor negative = IntTensor.of(new int[] {0, -1, 2, 3, 0, 0}, 2, 3);
        IllegalArgumentException en = assertThrows(IllegalArgumentException.class,
                () -> LossFns.crossEntropy(logits, negative, IGNORE));
        assertTrue(en.getMessage().contains("target -1 at position [0, 1]"), en.getMessage());
    }

    @Test
    void targetShapeMustBeTheLogitsShapeWithoutTheClassAxis() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LossFns.crossEntropy(Variable.constant(random(9, 2, 3, 4)), IntTensor.vector(0, 1), IGNORE));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        IntTensor t = IntTensor.of(new int[] {3, 17, IGNORE, 0, 31, 8}, 2, 3);
        assertF32Close("crossEntropy", v -> LossFns.crossEntropy(v[0], t, IGNORE), 1e-5, random(10, 2, 3, 32).mul(8));
    }
}

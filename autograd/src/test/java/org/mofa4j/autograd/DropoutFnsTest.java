package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.GradTestInputs.uniform;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * {@link DropoutFns#dropout}: mask statistics, determinism for a seed, identity in evaluation and for p = 0,
 * gradient = mask⊙g, numeric gradient check with a fixed mask, agreement with x⊙mask, p validation.
 */
class DropoutFnsTest {
    private static final double P = 0.3;

    private static Variable drop(Variable x, long seed) {
        return DropoutFns.dropout(x, P, true, new Rng(seed));
    }

    @Test
    void dropsAboutPAndScalesSurvivorsByOneOverOneMinusP() {
        Tensor x = uniform(1, 1, 2, 200_000);
        Tensor y = drop(Variable.constant(x), 42).value();
        int dropped = 0;
        for (int j = 0; j < x.numel(); j++) {
            if (y.getFlat(j) == 0) {
                dropped++;
            } else {
                assertEquals(x.getFlat(j) / (1 - P), y.getFlat(j), 1e-15);
            }
        }
        // binomial: σ of the fraction is √(p(1−p)/n) ≈ 0.001, so 0.005 is 5σ
        assertEquals(P, dropped / 200_000.0, 0.005);
        assertEquals(x.sumAll() / x.numel(), y.sumAll() / y.numel(), 0.01); // E[y] = x
    }

    @Test
    void sameSeedGivesTheSameMaskAndAnotherSeedAnother() {
        Tensor x = random(2, 64, 64);
        Tensor a = drop(Variable.constant(x), 7).value();
        Tensor b = drop(Variable.constant(x), 7).value();
        Tensor c = drop(Variable.constant(x), 8).value();
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertFalse(java.util.Arrays.equals(a.toDoubleArray(), c.toDoubleArray()));
    }

    @Test
    void evaluationAndZeroPReturnTheInputItself() {
        Variable x = Variable.parameter(random(3, 4, 5));
        assertSame(x, DropoutFns.dropout(x, P, false, new Rng(1)));
        assertSame(x, DropoutFns.dropout(x, 0, true, new Rng(1)));
        assertSame(x, DropoutFns.dropout(x, P, false, null));
    }

    @Test
    void gradientIsTheMaskTimesTheOutputGradient() {
        Tensor x = random(4, 8, 16);
        Variable v = Variable.parameter(x);
        Tensor g = random(5, 8, 16);
        drop(v, 9).backward(g, false);
        Tensor mask = new Rng(9).dropoutMask(P, 8, 16); // the same draws as inside dropout
        for (int j = 0; j < x.numel(); j++) {
            double m = mask.getFlat(j) == 0 ? 0 : 1 / (1 - P);
            assertEquals(m * g.getFlat(j), v.grad().getFlat(j), 1e-15);
        }
    }

    @Test
    void gradientMatchesNumericForAFixedMask() {
        // each call draws from a fresh Rng with the same seed, so every forward of the check uses one mask
        assertGradOk("dropout", v -> drop(v[0], 11), random(6, 3, 5));
        assertGradOk("dropout transposed", v -> drop(v[0], 12), transposed(random(7, 3, 5)));
    }

    @Test
    void matchesMultiplicationByTheMask() {
        Tensor mask = new Rng(13).dropoutMask(P, 4, 6).to(DType.F64).gt(0).mul(1 / (1 - P));
        assertMatchesDecomposition("dropout", v -> drop(v[0], 13),
                v -> ElementwiseFns.mul(v[0], Variable.constant(mask)), random(8, 4, 6));
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        assertF32Close("dropout", v -> drop(v[0], 14), 1e-6, random(9, 16, 16));
    }

    @Test
    void pOutsideZeroToOneIsRejected() {
        Variable x = Variable.constant(random(10, 3));
        for (double p : new double[] {1, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DropoutFns.dropout(x, p, true, new Rng(1)));
            assertEquals("dropout: p must be in [0, 1), got " + p, e.getMessage());
        }
    }
}

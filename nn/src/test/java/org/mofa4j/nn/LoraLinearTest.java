package org.mofa4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.GradCheck;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** One Linear with a LoRA adapter, in float64: identity at init, the dense oracle, gradients, merge, validation. */
class LoraLinearTest {
    private static final int IN = 12;
    private static final int OUT = 20;
    private static final LoraConfig CFG = new LoraConfig(3, 6.0, 0.0); // scale α/r = 2

    /** An F64 Linear with random W and a non-zero bias, so a missing bias term would show. */
    private static Linear f64Linear(long seed) {
        Rng rng = new Rng(seed);
        return new Linear(rng.normal(DType.F64, 0, 0.3, OUT, IN), rng.normal(DType.F64, 0, 0.3, OUT));
    }

    private static Tensor input(long seed) {
        return new Rng(seed).normal(DType.F64, 0, 1, 2, 5, IN); // [B, T, in]
    }

    /** Gives B non-zero values so the adapter contributes. */
    private static void randomiseB(Linear linear, long seed) {
        linear.lora().b().value().copyFrom(new Rng(seed).normal(DType.F64, 0, 0.5, OUT, CFG.rank()));
    }

    @Test
    void adaptedLayerStartsExactlyEqualToTheBase() {
        Linear linear = f64Linear(1);
        Tensor x = input(2);
        Tensor before = linear.forward(Variable.constant(x)).value();
        linear.enableLora(CFG, new Rng(3));
        Tensor after = linear.forward(Variable.constant(x)).value();
        assertArrayEquals(before.toDoubleArray(), after.toDoubleArray()); // B = 0: bit for bit
    }

    @Test
    void aIsKaimingUniformAndBIsZeroInTheWeightDtype() {
        Linear linear = new Linear(256, 8, false, 0.02, new Rng(1)); // F32
        Lora.Adapter adapter = linear.enableLora(new LoraConfig(16, 16, 0), new Rng(2));
        Tensor a = adapter.a().value();
        assertArrayEquals(new int[] {16, 256}, a.shape());
        assertArrayEquals(new int[] {8, 16}, adapter.b().value().shape());
        assertEquals(DType.F32, a.dtype());
        double bound = 1 / Math.sqrt(256);
        double sumSq = 0;
        for (int i = 0; i < a.numel(); i++) {
            double v = a.getFlat(i);
            assertTrue(v >= -bound && v < bound, "A element " + v + " outside [−1/√in, 1/√in)");
            sumSq += v * v;
        }
        assertEquals(bound / Math.sqrt(3), Math.sqrt(sumSq / a.numel()), 0.03 * bound); // U(−c, c) has rms c/√3
        assertEquals(0.0, adapter.b().value().norm());
    }

    @Test
    void adaptedOutputEqualsTheDenseReferenceWithWPlusScaledBA() {
        Linear linear = f64Linear(4);
        Lora.Adapter adapter = linear.enableLora(CFG, new Rng(5));
        randomiseB(linear, 6);
        Tensor x = input(7);
        Tensor y = linear.forward(Variable.constant(x)).value();

        // y[n, o] = Σ_i x[n, i]·(W[o, i] + s·Σ_k B[o, k]·A[k, i]) + b[o], in scalar loops
        Tensor w = linear.weight().value();
        Tensor bias = linear.bias().value();
        Tensor a = adapter.a().value();
        Tensor b = adapter.b().value();
        double s = CFG.scale();
        Tensor x2 = x.reshape(-1, IN);
        Tensor y2 = y.reshape(-1, OUT);
        for (int n = 0; n < x2.dim(0); n++) {
            for (int o = 0; o < OUT; o++) {
                double acc = bias.get(o);
                for (int i = 0; i < IN; i++) {
                    double ba = 0;
                    for (int k = 0; k < CFG.rank(); k++) {
                        ba += b.get(o, k) * a.get(k, i);
                    }
                    acc += x2.get(n, i) * (w.get(o, i) + s * ba);
                }
                assertEquals(acc, y2.get(n, o), 1e-12, "y[" + n + ", " + o + "]");
            }
        }
    }

    @Test
    void gradientsFlowToAAndBAndTheInputButNotToTheBase() {
        Linear linear = f64Linear(8);
        linear.enableLora(CFG, new Rng(9));
        randomiseB(linear, 10);
        Variable x = Variable.parameter(input(11));
        ReduceFns.sum(linear.forward(x)).backward();
        assertFalse(linear.weight().requiresGrad());
        assertFalse(linear.bias().requiresGrad());
        assertNull(linear.weight().grad());
        assertNull(linear.bias().grad());
        assertTrue(linear.lora().a().grad().norm() > 0);
        assertTrue(linear.lora().b().grad().norm() > 0);
        assertNotNull(x.grad());
    }

    @Test
    void loraForwardPassesAFloat64GradCheckInXAAndB() {
        Linear linear = f64Linear(12);
        Tensor w = linear.weight().value();
        Tensor bias = linear.bias().value();
        Rng rng = new Rng(13);
        Tensor x = rng.normal(DType.F64, 0, 1, 2, 3, IN);
        Tensor a = rng.normal(DType.F64, 0, 0.3, CFG.rank(), IN);
        Tensor b = rng.normal(DType.F64, 0, 0.3, OUT, CFG.rank());
        GradCheck.Result r = GradCheck.standard().check("lora", v -> Lora.forward(v[0], Variable.constant(w),
                Variable.constant(bias), v[1], v[2], CFG.scale(), 0, false, null), x, a, b);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void loraForwardWithDropoutPassesAFloat64GradCheck() {
        Linear linear = f64Linear(14);
        Tensor w = linear.weight().value();
        Rng rng = new Rng(15);
        Tensor x = rng.normal(DType.F64, 0, 1, 4, IN);
        Tensor a = rng.normal(DType.F64, 0, 0.3, CFG.rank(), IN);
        Tensor b = rng.normal(DType.F64, 0, 0.3, OUT, CFG.rank());
        // a fresh generator per evaluation: every call draws the same mask, as a fixed function must
        GradCheck.Result r = GradCheck.standard().check("lora+dropout", v -> Lora.forward(v[0], Variable.constant(w),
                null, v[1], v[2], CFG.scale(), 0.3, true, new Rng(16)), x, a, b);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void adapterDropoutActsInTrainingOnlyAndNeverOnTheBasePath() {
        LoraConfig withDropout = new LoraConfig(3, 6.0, 0.5);
        Linear linear = f64Linear(17);
        linear.enableLora(withDropout, new Rng(18), new Rng(19));
        randomiseB(linear, 20);
        Linear reference = f64Linear(17);
        reference.enableLora(CFG, new Rng(18)); // same A (same draws), no dropout
        randomiseB(reference, 20);
        Tensor x = input(21);

        linear.train(false);
        assertArrayEquals(reference.forward(Variable.constant(x)).value().toDoubleArray(),
                linear.forward(Variable.constant(x)).value().toDoubleArray());
        linear.train(true);
        Tensor dropped = linear.forward(Variable.constant(x)).value();
        assertFalse(Arrays.equals(reference.forward(Variable.constant(x)).value().toDoubleArray(),
                dropped.toDoubleArray()));
        // with A = 0 only the base path is left: dropout must not touch it
        linear.lora().a().value().zero();
        Tensor base = f64Linear(17).forward(Variable.constant(x)).value();
        assertArrayEquals(base.toDoubleArray(), linear.forward(Variable.constant(x)).value().toDoubleArray());
    }

    @Test
    void mergeGivesTheSameOutputsAndThePlainNames() {
        Linear linear = f64Linear(22);
        linear.enableLora(CFG, new Rng(23));
        randomiseB(linear, 24);
        Tensor x = input(25);
        Tensor adapted = linear.forward(Variable.constant(x)).value();
        Variable weightBefore = linear.weight();
        linear.merge();
        assertFalse(linear.isLoraEnabled());
        assertNull(linear.lora());
        assertEquals(List.of("weight", "bias"), List.copyOf(linear.namedParameters().keySet()));
        assertSame(weightBefore, linear.weight());
        assertFalse(linear.weight().requiresGrad(), "merge keeps the base weight frozen");
        Tensor merged = linear.forward(Variable.constant(x)).value();
        for (int i = 0; i < adapted.numel(); i++) {
            assertEquals(adapted.getFlat(i), merged.getFlat(i), 1e-12);
        }
        assertEquals(0, linear.trainableParameterCount());
    }

    @Test
    void loraCanBeEnabledAgainAfterAMerge() {
        Linear linear = f64Linear(26);
        linear.enableLora(CFG, new Rng(27));
        linear.merge();
        Lora.Adapter again = linear.enableLora(CFG, new Rng(28));
        assertEquals(List.of("weight", "bias", "lora.A", "lora.B"), List.copyOf(linear.namedParameters().keySet()));
        assertSame(again.a(), linear.namedParameters().get("lora.A"));
        assertTrue(again.a().requiresGrad());
    }

    @Test
    void namesAndTrainableCountIsRTimesInPlusOut() {
        Linear linear = f64Linear(29);
        linear.enableLora(CFG, new Rng(30));
        assertEquals(List.of("weight", "bias", "lora.A", "lora.B"), List.copyOf(linear.namedParameters().keySet()));
        assertEquals(3L * (IN + OUT), linear.trainableParameterCount());
        assertEquals((long) OUT * IN + OUT + 3L * (IN + OUT), linear.parameterCount());
    }

    @Test
    void misuseIsRejectedWithClearMessages() {
        Linear linear = f64Linear(31);
        IllegalStateException notEnabled = assertThrows(IllegalStateException.class, linear::merge);
        assertTrue(notEnabled.getMessage().contains("LoRA is not enabled"), notEnabled.getMessage());
        IllegalArgumentException noRng = assertThrows(IllegalArgumentException.class,
                () -> linear.enableLora(new LoraConfig(2, 2, 0.1), new Rng(1), null));
        assertTrue(noRng.getMessage().contains("needs a dropout Rng"), noRng.getMessage());
        assertTrue(linear.weight().requiresGrad(), "a rejected call must leave the layer untouched");
        linear.enableLora(CFG, new Rng(32));
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> linear.enableLora(CFG, new Rng(33)));
        assertTrue(twice.getMessage().contains("already enabled"), twice.getMessage());
    }

    @Test
    void configIsValidated() {
        assertEquals("LoraConfig: rank must be ≥ 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 1, 0)).getMessage());
        assertEquals("LoraConfig: alpha must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 0, 0)).getMessage());
        assertEquals("LoraConfig: alpha must be finite and > 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, Double.NaN, 0)).getMessage());
        assertEquals("LoraConfig: alpha must be finite and > 0, got Infinity", assertThrows(
                IllegalArgumentException.class, () -> new LoraConfig(4, Double.POSITIVE_INFINITY, 0)).getMessage());
        assertEquals("LoraConfig: dropout must be in [0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 1)).getMessage());
        assertEquals("LoraConfig: dropout must be in [0, 1), got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, -0.1)).getMessage());
        assertEquals(2.0, new LoraConfig(8, 16, 0).scale());
        assertEquals(new LoraConfig(4, 8, 0), LoraConfig.of(4));
    }
}

package org.mofa4j.autograd.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Property-based fuzzing of the tensor engine's forward pass: random shapes, chains of views, NumPy broadcasting,
 * elementwise ops, in-place ops, reductions and batched matmul on strided operands, against the float64
 * {@link RefArray} oracle and EJML. The number of cases per property is {@code jqwik.tries.default} in
 * {@code junit-platform.properties} (small, for the default test run); see the README for the long run.
 */
class ForwardFuzzTest {
    /** Binary ops with their float64 meaning. */
    enum Binary {
        ADD(Tensor::add, Double::sum),
        SUB(Tensor::sub, (a, b) -> a - b),
        MUL(Tensor::mul, (a, b) -> a * b),
        DIV(Tensor::div, (a, b) -> a / b),
        MAXIMUM(Tensor::maximum, Math::max),
        MINIMUM(Tensor::minimum, Math::min);

        final BinaryOperator<Tensor> engine;
        final DoubleBinaryOperator ref;

        Binary(BinaryOperator<Tensor> engine, DoubleBinaryOperator ref) {
            this.engine = engine;
            this.ref = ref;
        }
    }

    /** Unary ops with their float64 meaning. */
    enum Unary {
        EXP(Tensor::exp, Math::exp),
        TANH(Tensor::tanh, Math::tanh),
        SIGMOID(Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x))),
        NEG(Tensor::neg, x -> -x),
        ABS(Tensor::abs, Math::abs),
        SQUARE(Tensor::square, x -> x * x),
        GELU_TANH(Tensor::geluTanh, x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));

        final UnaryOperator<Tensor> engine;
        final DoubleUnaryOperator ref;

        Unary(UnaryOperator<Tensor> engine, DoubleUnaryOperator ref) {
            this.engine = engine;
            this.ref = ref;
        }
    }

    private static void assertClose(RefArray expected, Tensor actual, double rtol, double atol, String how) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape of " + how);
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double e = expected.data()[i];
            assertTrue(Math.abs(a[i] - e) <= atol + rtol * Math.abs(e),
                    how + ": element " + i + " is " + a[i] + ", float64 oracle " + e);
        }
    }

    @Property
    void viewChainsReadExactlyTheElementsIndexArithmeticSays(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5) int views) {
        Random r = new Random(seed);
        RandomViews.Case c = RandomViews.viewed(r, DType.F32, RandomViews.randomShape(r, 0, 4, 5), views);
        assertArrayEquals(c.ref().shape(), c.tensor().shape(), c.how());
        assertArrayEquals(c.ref().data(), c.tensor().toDoubleArray(), c.how());
        assertArrayEquals(c.ref().data(), c.tensor().contiguous().toDoubleArray(), c.how() + ".contiguous()");
    }

    @Property
    void broadcastOpsOnViewsThenAReductionMatchFloat64(@ForAll long seed, @ForAll Binary op, @ForAll Unary unary,
            @ForAll boolean inPlace) {
        Random r = new Random(seed);
        RandomViews.Case a = RandomViews.viewed(r, DType.F32, RandomViews.randomShape(r, 1, 4, 5), r.nextInt(4));
        int[] partner = RandomViews.broadcastPartner(r, a.tensor().shape());
        RandomViews.Case b = RandomViews.viewed(r, DType.F32, partner, 0);
        if (r.nextBoolean() && partner.length >= 2) { // the partner as a transposed view of the same shape
            int[] swapped = partner.clone();
            swapped[0] = partner[partner.length - 1];
            swapped[partner.length - 1] = partner[0];
            RandomViews.Case raw = RandomViews.viewed(r, DType.F32, swapped, 0);
            b = new RandomViews.Case(raw.tensor().transpose(0, partner.length - 1),
                    raw.ref().transpose(0, partner.length - 1), raw.how() + ".transpose(0,-1)");
        }
        Tensor bt = b.tensor();
        RefArray br = b.ref();
        if (op == Binary.DIV) { // keep divisors away from 0; the oracle reads the engine's float32 divisor
            bt = bt.abs().add(0.5);
            br = RefArray.of(bt);
        }
        String how = op + "(" + a.how() + ", " + b.how() + ")" + (inPlace ? " in place" : "");
        RefArray expected = a.ref().zip(br, op.ref);
        Tensor actual;
        if (inPlace && op.ordinal() <= Binary.DIV.ordinal()) {
            actual = a.tensor().contiguous().copy();
            switch (op) {
                case ADD -> actual.addInPlace(bt);
                case SUB -> actual.subInPlace(bt);
                case MUL -> actual.mulInPlace(bt);
                default -> actual.divInPlace(bt);
            }
        } else {
            actual = op.engine.apply(a.tensor(), bt);
        }
        assertClose(expected, actual, 1e-6, 1e-7, how);

        RefArray mapped = expected.map(unary.ref);
        Tensor mappedActual = unary.engine.apply(actual);
        assertClose(mapped, mappedActual, 1e-5, 1e-6, unary + "(" + how + ")");

        int axis = r.nextInt(mapped.rank());
        boolean keep = r.nextBoolean();
        RefArray[] sum = mapped.sumWithMagnitude(axis, keep);
        Tensor summed = mappedActual.sum(axis, keep);
        assertArrayEquals(sum[0].shape(), summed.shape());
        double[] s = summed.toDoubleArray();
        for (int i = 0; i < s.length; i++) {
            assertTrue(Math.abs(s[i] - sum[0].data()[i]) <= 1e-5 * sum[1].data()[i] + 1e-6,
                    "sum(" + axis + ") of " + unary + "(" + how + "): " + s[i] + " vs " + sum[0].data()[i]);
        }
    }

    @Property
    void batchedMatmulOnStridedOperandsMatchesEjml(@ForAll @IntRange(min = 1, max = 24) int m,
            @ForAll @IntRange(min = 1, max = 24) int k, @ForAll @IntRange(min = 1, max = 24) int n,
            @ForAll @IntRange(min = 0, max = 3) int batch, @ForAll boolean transposedA, @ForAll boolean stridedB,
            @ForAll boolean sharedB, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int[] lead = batch == 0 ? new int[0] : new int[] {batch};
        Tensor a = transposedA
                ? rng.uniform(-1, 1, concat(lead, k, m)).transpose(-2, -1)           // [.., m, k], column-major
                : rng.uniform(-1, 1, concat(lead, m, k));
        int[] bLead = sharedB ? new int[0] : lead;
        Tensor b = stridedB
                ? rng.uniform(-1, 1, concat(bLead, k, 2 * n + 1)).slice(-1, 0, 2 * n, 2) // [.., k, n], stride 2
                : rng.uniform(-1, 1, concat(bLead, k, n));
        Tensor c = a.matmul(b);
        int batches = Math.max(batch, 1);
        assertArrayEquals(concat(lead, m, n), c.shape());
        RefArray ra = RefArray.of(a);
        RefArray rb = RefArray.of(b);
        RefArray rc = RefArray.of(c);
        for (int i = 0; i < batches; i++) {
            DMatrixRMaj ma = matrix(ra, batch == 0 ? -1 : i, m, k);
            DMatrixRMaj mb = matrix(rb, bLead.length == 0 ? -1 : i, k, n);
            DMatrixRMaj expected = new DMatrixRMaj(m, n);
            CommonOps_DDRM.mult(ma, mb, expected);
            DMatrixRMaj absA = ma.copy();
            DMatrixRMaj absB = mb.copy();
            CommonOps_DDRM.abs(absA);
            CommonOps_DDRM.abs(absB);
            DMatrixRMaj bound = new DMatrixRMaj(m, n);
            CommonOps_DDRM.mult(absA, absB, bound);
            for (int x = 0; x < m; x++) {
                for (int y = 0; y < n; y++) {
                    double actual = rc.data()[(i * m + x) * n + y];
                    assertTrue(Math.abs(actual - expected.get(x, y)) <= 1e-5 * bound.get(x, y) + 1e-30,
                            "batch " + i + " [" + x + ", " + y + "] of " + Arrays.toString(a.shape()) + "·"
                                    + Arrays.toString(b.shape()) + ": " + actual + " vs EJML " + expected.get(x, y));
                }
            }
        }
        assertEquals(batch == 0 ? 2 : 3, c.rank());
    }

    private static DMatrixRMaj matrix(RefArray r, int batch, int rows, int cols) {
        int base = batch < 0 ? 0 : batch * rows * cols;
        return new DMatrixRMaj(rows, cols, true, Arrays.copyOfRange(r.data(), base, base + rows * cols));
    }

    private static int[] concat(int[] lead, int... tail) {
        int[] out = Arrays.copyOf(lead, lead.length + tail.length);
        System.arraycopy(tail, 0, out, lead.length, tail.length);
        return out;
    }
}

package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * {@link EmbeddingFns#embedding}: numeric gradient checks (repeated ids, transposed table), agreement with
 * onehot(ids)·W, accumulation of repeated ids, the out-of-range error, float32 sanity.
 */
class EmbeddingFnsTest {
    private static final IntTensor IDS = IntTensor.of(new int[] {3, 0, 3, 5, 1, 3}, 2, 3); // id 3 three times

    /** onehot(ids) [..., V] · W [V, C] via matmul: a lookup written as a product. */
    private static Variable embeddingByOnehotMatmul(Variable w, IntTensor ids) {
        int vocab = w.value().dim(0);
        int[] shape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        shape[ids.rank()] = vocab;
        Tensor onehot = Tensor.zeros(DType.F64, shape);
        for (int p = 0; p < ids.numel(); p++) {
            onehot.setFlat(p * vocab + ids.data()[p], 1);
        }
        return MatmulFns.matmul(Variable.constant(onehot.to(w.value().dtype())), w);
    }

    @Test
    void gradientMatchesNumericWithRepeatedIds() {
        assertGradOk("embedding", v -> EmbeddingFns.embedding(v[0], IDS), random(1, 6, 4));
        assertGradOk("embedding transposed table", v -> EmbeddingFns.embedding(v[0], IDS), transposed(random(2, 6, 4)));
    }

    @Test
    void matchesOnehotMatmul() {
        assertMatchesDecomposition("embedding", v -> EmbeddingFns.embedding(v[0], IDS),
                v -> embeddingByOnehotMatmul(v[0], IDS), random(3, 7, 5));
    }

    @Test
    void repeatedIdsAccumulateAndUnusedRowsGetZero() {
        Variable w = Variable.parameter(random(4, 6, 2));
        Variable y = EmbeddingFns.embedding(w, IDS);
        assertArrayEquals(new int[] {2, 3, 2}, y.shape());
        y.backward(Tensor.ones(DType.F64, 2, 3, 2), false);
        assertEquals(3.0, w.grad().get(3, 0));
        assertEquals(1.0, w.grad().get(5, 1));
        assertEquals(0.0, w.grad().get(2, 0));
        assertEquals(0.0, w.grad().get(4, 1));
    }

    @Test
    void scalarIdGivesOneRow() {
        Tensor w = random(5, 4, 3);
        Tensor row = EmbeddingFns.embedding(Variable.constant(w), IntTensor.of(new int[] {2})).value();
        assertArrayEquals(new int[] {3}, row.shape());
        assertEquals(w.get(2, 1), row.get(1));
    }

    @Test
    void idOutOfRangeIsRejectedNamingPositionAndValue() {
        IntTensor bad = IntTensor.of(new int[] {0, 1, 2, 6}, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingFns.embedding(Variable.constant(random(6, 6, 2)), bad));
        assertTrue(e.getMessage().contains("id 6 at position [1, 1]"), e.getMessage());
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        assertF32Close("embedding", v -> EmbeddingFns.embedding(v[0], IDS), 1e-7, random(7, 6, 8));
    }
}

package org.mofa4j.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

class BackendsTest {

    @AfterEach
    void restoreCpu() {
        Backends.use(Backends.cpu());
    }

    @Test
    void cpuIsBuiltInAndActiveByDefault() {
        assertSame(Backends.cpu(), Backends.open("cpu"));
        assertSame(Backends.cpu(), Backends.open(" CPU "));
        assertSame(Backends.cpu(), Backends.active());
        assertEquals(0, Backends.cpu().bytesMoved());
    }

    @Test
    void anUnknownDeviceNamesWhatIsMissingInsteadOfFallingBack() {
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.open("gpu"));
        assertTrue(e.getMessage().contains("no backend for it on the class path"), e.getMessage());
        assertTrue(e.getMessage().contains("-Ptornado"), e.getMessage());
        assertThrows(BackendUnavailableException.class, () -> Backends.open("tpu"));
    }

    @Test
    void batchedTransposedProductsReachTheActiveBackendWhole() {
        Recording rec = new Recording(true);
        Rng rng = new Rng(3);
        Tensor a = rng.normal(org.mofa4j.tensor.DType.F32, 0, 1, 3, 7, 5);  // [3, 7, 5]
        Tensor b = rng.normal(org.mofa4j.tensor.DType.F32, 0, 1, 3, 6, 5);  // [3, 6, 5], used as bᵀ
        Tensor expected = a.matmul(b.transpose(1, 2));                        // on the CPU backend
        Backends.use(rec);
        Tensor got = a.matmul(b.transpose(1, 2));
        assertEquals(1, rec.calls.size());
        GemmBatch call = rec.calls.get(0);
        assertEquals(3, call.batches());
        assertEquals(7, call.m());
        assertEquals(6, call.n());
        assertEquals(5, call.k());
        assertEquals(1, call.bRs()); // Bᵀ read in place: row stride 1, column stride 5
        assertEquals(5, call.bCs());
        assertArrayEquals(expected.toFloatArray(), got.toFloatArray());
    }

    @Test
    void aDecliningBackendLeavesTheCallToTheCpu() {
        Recording rec = new Recording(false);
        Backends.use(rec);
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor got = a.matmul(a);
        assertEquals(0, rec.calls.size());
        assertArrayEquals(new float[] {7, 10, 15, 22}, got.toFloatArray());
    }

    @Test
    void float64ProductsStayOnTheHost() {
        Recording rec = new Recording(true);
        Backends.use(rec);
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        assertArrayEquals(new double[] {7, 10, 15, 22}, a.matmul(a).toDoubleArray());
        assertEquals(0, rec.calls.size());
    }

    /** Records each call and computes it on the CPU backend. */
    private static final class Recording implements Backend {
        final List<GemmBatch> calls = new ArrayList<>();
        final boolean accept;

        Recording(boolean accept) {
            this.accept = accept;
        }

        @Override
        public String device() {
            return "recording";
        }

        @Override
        public String description() {
            return "test backend";
        }

        @Override
        public boolean accepts(int batches, int m, int n, int k) {
            return accept;
        }

        @Override
        public void sgemm(GemmBatch call) {
            calls.add(call);
            Backends.cpu().sgemm(call);
        }

        @Override
        public long bytesMoved() {
            return 0;
        }
    }
}

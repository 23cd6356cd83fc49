package org.mofa4j.tensor.backend;

import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.Parallel;

/** The built-in backend: the {@link Gemm} kernels on the host, batches in parallel when the products are small. */
final class CpuBackend implements Backend {
    /** Below this many multiply-adds per product, parallelise over the batch instead of inside the kernel. */
    private static final long SMALL_PRODUCT = 1L << 21;

    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    @Override
    public String device() {
        return "cpu";
    }

    @Override
    public String description() {
        return KernelMode.describe();
    }

    @Override
    public boolean accepts(int batches, int m, int n, int k) {
        return true;
    }

    @Override
    public void sgemm(GemmBatch g) {
        int threads = KernelMode.threads();
        boolean perBatch = g.batches() > 1 && threads > 1 && (long) g.m() * g.n() * g.k() < SMALL_PRODUCT;
        java.util.function.IntConsumer one = bi -> Gemm.sgemm(g.m(), g.n(), g.k(),
                g.a(), g.aOff()[bi], g.aRs(), g.aCs(), g.b(), g.bOff()[bi], g.bRs(), g.bCs(),
                g.c(), g.cOff()[bi], g.cRs(), g.cCs(), g.accumulate(), perBatch ? 1 : threads);
        if (perBatch) {
            Parallel.forRange(g.batches(), threads, one);
        } else {
            for (int bi = 0; bi < g.batches(); bi++) {
                one.accept(bi);
            }
        }
    }

    @Override
    public long bytesMoved() {
        return 0;
    }
}

package org.mofa4j.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Tensor;
import org.mofa4j.tensor.backend.Backends;

/**
 * The tiled GEMM kernel on the device against the CPU GEMM and a float64 (EJML-equivalent) product, on odd sizes,
 * for A·B, A·Bᵀ, Aᵀ·B, accumulation and a broadcast batch. Tolerance: |Δ| ≤ 1e-5·Σₚ|a·b| + 1e-6 per element
 * (two fp32 summation orders against the exact sum, k ≤ 300).
 */
class GemmParityTest {
    static TornadoBackend gpu;

    @BeforeAll
    static void start() {
        gpu = TornadoBackend.open();
        System.out.println("device: " + gpu.description());
    }

    @Test
    void everyGemmKernelMatchesOnEveryShape() {
        TornadoBackend previous = gpu;
        try {
            for (GemmLaunch.Kernel kernel : GemmLaunch.Kernel.values()) {
                gpu = TornadoBackend.open(kernel);
                System.out.println("device: " + gpu.description());
                plainTransposedAndBatchedProductsMatchTheCpuOnOddSizes();
                accumulatingIntoAStridedOutputAddsToIt();
            }
        } finally {
            gpu = previous;
        }
    }

    @AfterAll
    static void stop() {
        Backends.use(Backends.cpu());
    }

    @Test
    void plainTransposedAndBatchedProductsMatchTheCpuOnOddSizes() {
        Random rnd = new Random(7);
        int[][] sizes = {{1, 1, 1}, {17, 23, 29}, {33, 5, 70}, {65, 47, 129}, {100, 31, 300}, {131, 259, 45}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            Tensor a = UniformData.tensor(rnd, m, k);
            Tensor b = UniformData.tensor(rnd, k, n);
            Tensor at = UniformData.tensor(rnd, k, m);
            Tensor bt = UniformData.tensor(rnd, n, k);
            check("A·B " + m + "x" + n + "x" + k, a, b);
            check("A·Bᵀ " + m + "x" + n + "x" + k, a, bt.t());
            check("Aᵀ·B " + m + "x" + n + "x" + k, at.t(), b);
        }
        Tensor a3 = UniformData.tensor(rnd, 5, 19, 37);   // [5, 19, 37]
        Tensor b3 = UniformData.tensor(rnd, 5, 21, 37);   // [5, 21, 37] used transposed
        check("batched A·Bᵀ [5]", a3, b3.transpose(1, 2));
        Tensor shared = UniformData.tensor(rnd, 37, 21);  // broadcast over the batch
        check("batched A·B broadcast B", a3, shared);
    }

    @Test
    void accumulatingIntoAStridedOutputAddsToIt() {
        Random rnd = new Random(9);
        Tensor a = UniformData.tensor(rnd, 13, 31);
        Tensor b = UniformData.tensor(rnd, 31, 11);
        Tensor cCpu = UniformData.tensor(rnd, 11, 13).t();  // [13, 11], column-major view
        Tensor cGpu = cCpu.copy().t().contiguous().t();     // same values, same layout, own storage
        Tensor.matmulInto(a, b, cCpu, true);
        Backends.use(gpu);
        try {
            Tensor.matmulInto(a, b, cGpu, true);
        } finally {
            Backends.use(Backends.cpu());
        }
        ParityCheck.close("accumulate", cCpu, cGpu, 1e-5);
    }

    private static void check(String what, Tensor a, Tensor b) {
        Tensor cpu = a.matmul(b);
        Tensor exact = a.to(org.mofa4j.tensor.DType.F64).matmul(b.to(org.mofa4j.tensor.DType.F64));
        long before = gpu.bytesMoved();
        Backends.use(gpu);
        Tensor dev;
        try {
            dev = a.matmul(b);
        } finally {
            Backends.use(Backends.cpu());
        }
        assertTrue(gpu.bytesMoved() > before, what + ": no bytes moved, so the device did not run it");
        ParityCheck.close(what + " vs float64", exact, dev, 1e-5);
        ParityCheck.close(what + " vs CPU", cpu, dev, 1e-5);
    }
}

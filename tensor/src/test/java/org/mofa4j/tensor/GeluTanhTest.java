package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mofa4j.tensor.ElementwiseReference.assertClose;
import static org.mofa4j.tensor.ElementwiseReference.assertSameBits;

import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/**
 * The fused GELU-tanh kernels ({@link Tensor#geluTanh()}, {@link Tensor#geluTanhBackward}) against the float64
 * formula, in both kernel modes and dtypes, on sizes that hit vector bodies and scalar tails and on strided views.
 */
class GeluTanhTest {
    private static final double K = Math.sqrt(2 / Math.PI);
    private static final double C = 0.044715;

    /** The formula written out independently of the kernels (BigDecimal-free but in double). */
    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(K * (x + C * x * x * x)));
    }

    static double geluDerivative(double x) {
        double t = Math.tanh(K * (x + C * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * C * x * x);
    }

    private static double[] tolForward(DType dtype) {
        return dtype == DType.F64 ? new double[] {1e-15, 1e-14} : new double[] {2e-6, 1e-5};
    }

    private static double[] tolBackward(DType dtype) {
        return dtype == DType.F64 ? new double[] {1e-14, 1e-13} : new double[] {5e-6, 2e-5};
    }

    private static double[] reference(Tensor x, Tensor g) {
        double[] xs = ElementwiseReference.values(x);
        double[] gs = ElementwiseReference.values(g);
        double[] out = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = gs[i] * geluDerivative(xs[i]);
        }
        return out;
    }

    @Test
    void matchesTheFormulaOnVectorsTailsAndViews() {
        Random rnd = new Random(61);
        int[][] shapes = {{1}, {17}, {1003}, {4097}, {3, 1037}, {7, 9, 33}, {2, 5, 16, 17}};
        ElementwiseReference.inEachMode(mode -> {
            for (DType dtype : DType.values()) {
                for (int[] shape : shapes) {
                    String what = "geluTanh " + mode + " " + dtype + " " + Shapes.str(shape);
                    Tensor x = ElementwiseReference.view(rnd, dtype, 6, 0, shape);   // [-6, 6], maybe strided
                    Tensor g = ElementwiseReference.view(rnd, dtype, 2, 0, shape);
                    double[] tf = tolForward(dtype);
                    assertClose(what, shape, dtype, ElementwiseReference.unary(x, GeluTanhTest::gelu), x.geluTanh(),
                            tf[0], tf[1]);
                    double[] tb = tolBackward(dtype);
                    assertClose(what + " backward", shape, dtype, reference(x, g), Tensor.geluTanhBackward(x, g),
                            tb[0], tb[1]);
                }
            }
        });
    }

    @Test
    void vectorKernelAgreesWithTheScalarKernel() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(62);
        Tensor x = ElementwiseReference.view(rnd, DType.F32, 8, 0, 3, 1037);
        Tensor g = ElementwiseReference.view(rnd, DType.F32, 1, 0, 3, 1037);
        Tensor sf;
        Tensor sb;
        try (var m = KernelMode.override(Mode.SCALAR)) {
            sf = x.geluTanh();
            sb = Tensor.geluTanhBackward(x, g);
        }
        try (var m = KernelMode.override(Mode.VECTOR)) {
            double[] tf = tolForward(DType.F32);
            assertClose("geluTanh vector vs scalar", x.shape(), DType.F32, ElementwiseReference.values(sf),
                    x.geluTanh(), tf[0], tf[1]);
            double[] tb = tolBackward(DType.F32);
            assertClose("geluTanhBackward vector vs scalar", x.shape(), DType.F32, ElementwiseReference.values(sb),
                    Tensor.geluTanhBackward(x, g), tb[0], tb[1]);
        }
    }

    @Test
    void sameBitsForAnyThreadCount() {
        Random rnd = new Random(63);
        // above both the vector and the scalar split thresholds, with a ragged last task
        Tensor x = ElementwiseReference.view(rnd, DType.F32, 6, 0, 3, 70_001);
        Tensor g = ElementwiseReference.view(rnd, DType.F32, 2, 0, 3, 70_001);
        ElementwiseReference.inEachMode(mode -> {
            Supplier<Tensor> fwd = x::geluTanh;
            Supplier<Tensor> bwd = () -> Tensor.geluTanhBackward(x, g);
            for (Supplier<Tensor> op : java.util.List.of(fwd, bwd)) {
                Tensor one = withThreads(1, op);
                assertSameBits("gelu " + mode + ": 2 threads vs 1", one, withThreads(2, op));
                assertSameBits("gelu " + mode + ": 3 threads vs 1", one, withThreads(3, op));
            }
        });
    }

    @Test
    void backwardRejectsMismatchedShapes() {
        Tensor x = Tensor.zeros(DType.F32, 2, 3);
        assertThrows(ShapeException.class, () -> Tensor.geluTanhBackward(x, Tensor.zeros(DType.F32, 3, 2)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.geluTanhBackward(x, Tensor.zeros(DType.F64, 2, 3)));
    }

    private static Tensor withThreads(int threads, Supplier<Tensor> op) {
        int before = ElementwiseOps.threadsOverride;
        ElementwiseOps.threadsOverride = threads;
        try {
            return op.get();
        } finally {
            ElementwiseOps.threadsOverride = before;
        }
    }
}

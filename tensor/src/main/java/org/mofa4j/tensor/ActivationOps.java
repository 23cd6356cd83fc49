package org.mofa4j.tensor;

import org.mofa4j.tensor.kernels.ScalarGelu;
import org.mofa4j.tensor.kernels.VectorGelu;

/**
 * Fused activations: one pass over memory instead of a chain of elementwise ops, on any strided views, in
 * parallel like {@link ElementwiseOps} (same task splitting, so bits do not depend on the thread count).
 * {@link VectorGelu} for f32 in vector mode, {@link ScalarGelu} otherwise.
 */
final class ActivationOps {
    private ActivationOps() {}

    /** ½x(1 + tanh(√(2/π)(x + 0.044715x³))) in a new contiguous tensor. */
    static Tensor geluTanh(Tensor x) {
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        StridedLoop loop = ElementwiseOps.loop(x.shape, new int[][] {out.strides, x.strides}, out, x);
        if (x.f != null) {
            float[] o = out.f;
            float[] a = x.f;
            boolean vector = ElementwiseOps.vectorMode();
            ElementwiseOps.forEachRun(loop, vector ? ElementwiseOps.MODERATE : ElementwiseOps.COSTLY, vector
                    ? (n, p, s) -> VectorGelu.forward(n, o, p[0], s[0], a, p[1], s[1])
                    : (n, p, s) -> ScalarGelu.forward(n, o, p[0], s[0], a, p[1], s[1]));
        } else {
            double[] o = out.d;
            double[] a = x.d;
            ElementwiseOps.forEachRun(loop, ElementwiseOps.COSTLY,
                    (n, p, s) -> ScalarGelu.forward(n, o, p[0], s[0], a, p[1], s[1]));
        }
        return out;
    }

    /** g·geluTanh'(x) in a new contiguous tensor; x and g must have the same dtype and shape. */
    static Tensor geluTanhBackward(Tensor x, Tensor g) {
        String name = "geluTanhBackward";
        ElementwiseOps.requireSameDtype(name, x, g);
        if (!java.util.Arrays.equals(x.shape, g.shape)) {
            throw new ShapeException(name + ": x is " + Shapes.str(x.shape) + " but the gradient g is "
                    + Shapes.str(g.shape) + "; they must match");
        }
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        StridedLoop loop = ElementwiseOps.loop(x.shape, new int[][] {out.strides, x.strides, g.strides}, out, x, g);
        if (x.f != null) {
            float[] o = out.f;
            float[] a = x.f;
            float[] b = g.f;
            boolean vector = ElementwiseOps.vectorMode();
            ElementwiseOps.forEachRun(loop, vector ? ElementwiseOps.MODERATE : ElementwiseOps.COSTLY, vector
                    ? (n, p, s) -> VectorGelu.backward(n, o, p[0], s[0], a, p[1], s[1], b, p[2], s[2])
                    : (n, p, s) -> ScalarGelu.backward(n, o, p[0], s[0], a, p[1], s[1], b, p[2], s[2]));
        } else {
            double[] o = out.d;
            double[] a = x.d;
            double[] b = g.d;
            ElementwiseOps.forEachRun(loop, ElementwiseOps.COSTLY,
                    (n, p, s) -> ScalarGelu.backward(n, o, p[0], s[0], a, p[1], s[1], b, p[2], s[2]));
        }
        return out;
    }
}

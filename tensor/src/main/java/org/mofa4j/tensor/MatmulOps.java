package org.mofa4j.tensor;

import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.Backends;
import org.mofa4j.tensor.backend.GemmBatch;

/**
 * 2-D and batched matrix products over strided views, on top of {@link Gemm}.
 *
 * <p>a: [..., m, k], b: [..., k, n] → [..., m, n]; the batch dimensions broadcast (NumPy rules). A 1-D a is
 * a row vector [1, k] and a 1-D b a column [k, 1]; the added dimension is removed from the result. Each
 * matrix is handed to the kernel as (offset, rowStride, colStride), so transposed and sliced operands are
 * read in place. fp32 products go to {@link Backends#active()} as one {@link GemmBatch} (the CPU backend runs
 * many small products, e.g. attention heads, in parallel over the batch, and large ones one after another with a
 * multithreaded kernel; the result is the same either way); float64 products always run on the host.
 */
final class MatmulOps {
    private MatmulOps() {}

    static Tensor matmul(Tensor a, Tensor b) {
        checkTypes(a, b);
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeException("matmul: operands must have rank ≥ 1, got " + Shapes.str(a.shape) + " and "
                    + Shapes.str(b.shape));
        }
        Tensor a2 = vecA ? a.unsqueeze(0) : a;
        Tensor b2 = vecB ? b.unsqueeze(1) : b;
        int[] outShape = resultShape(a2, b2);
        Tensor out = Tensor.zeros(a.dtype, outShape);
        multiply(a2, b2, out, false);
        if (vecA && vecB) {
            return out.reshape(outShape.length == 2 ? new int[0] : java.util.Arrays.copyOf(outShape, outShape.length - 2));
        }
        if (vecA) {
            return out.squeeze(-2);
        }
        return vecB ? out.squeeze(-1) : out;
    }

    static void matmulInto(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        checkTypes(a, b);
        if (out.dtype != a.dtype) {
            throw new ShapeException("matmul: out is " + out.dtype + " but the operands are " + a.dtype);
        }
        if (a.rank() < 2 || b.rank() < 2) {
            throw new ShapeException("matmul: matmulInto needs operands of rank ≥ 2, got " + Shapes.str(a.shape)
                    + " and " + Shapes.str(b.shape));
        }
        int[] expected = resultShape(a, b);
        if (!Shapes.same(expected, out.shape)) {
            throw new ShapeException("matmul: out has shape " + Shapes.str(out.shape) + ", expected "
                    + Shapes.str(expected) + " for " + Shapes.str(a.shape) + " · " + Shapes.str(b.shape));
        }
        for (int i = 0; i < out.rank(); i++) {
            if (out.strides[i] == 0 && out.shape[i] > 1) {
                throw new ShapeException("matmul: out of shape " + Shapes.str(out.shape)
                        + " is a broadcast view (stride 0 on axis " + i + "); it cannot be written");
            }
        }
        if (out.sharesStorage(a) || out.sharesStorage(b)) {
            throw new ShapeException("matmul: out shares storage with an operand; write into a separate tensor");
        }
        multiply(a, b, out, accumulate);
    }

    private static void checkTypes(Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new ShapeException("matmul: dtypes differ, a is " + a.dtype + " " + Shapes.str(a.shape) + ", b is "
                    + b.dtype + " " + Shapes.str(b.shape));
        }
    }

    /** [...batch, m, n] for a [..., m, k] and b [..., k, n]; checks inner dimensions. */
    private static int[] resultShape(Tensor a, Tensor b) {
        int m = a.shape[a.rank() - 2];
        int k = a.shape[a.rank() - 1];
        int kb = b.shape[b.rank() - 2];
        int n = b.shape[b.rank() - 1];
        if (k != kb) {
            throw new ShapeException("matmul: inner dimensions differ, a is " + Shapes.str(a.shape) + ", b is "
                    + Shapes.str(b.shape));
        }
        int[] batch = Shapes.broadcast("matmul", batchShape(a), batchShape(b));
        int[] out = java.util.Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return out;
    }

    private static int[] batchShape(Tensor t) {
        return java.util.Arrays.copyOf(t.shape, t.rank() - 2);
    }

    /** Strides of t's batch axes after broadcasting to {@code batch} (0 on broadcast axes). */
    private static int[] batchStrides(Tensor t, int[] batch) {
        int[] s = new int[batch.length];
        int lead = batch.length - (t.rank() - 2);
        for (int i = lead; i < batch.length; i++) {
            s[i] = t.shape[i - lead] == 1 ? 0 : t.strides[i - lead];
        }
        return s;
    }

    private static void multiply(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.shape[a.rank() - 2];
        int k = a.shape[a.rank() - 1];
        int n = b.shape[b.rank() - 1];
        int[] batch = batchShape(out);
        int batches = Shapes.numel("matmul", batch);
        int[] sa = batchStrides(a, batch);
        int[] sb = batchStrides(b, batch);
        int[] so = batchStrides(out, batch);
        int[] aOff = new int[batches], bOff = new int[batches], oOff = new int[batches];
        for (int bi = 0; bi < batches; bi++) {
            int oa = a.offset, ob = b.offset, oo = out.offset;
            int rem = bi;
            for (int d = batch.length - 1; d >= 0; d--) {
                int idx = rem % batch[d];
                rem /= batch[d];
                oa += idx * sa[d];
                ob += idx * sb[d];
                oo += idx * so[d];
            }
            aOff[bi] = oa;
            bOff[bi] = ob;
            oOff[bi] = oo;
        }
        int aRs = a.strides[a.rank() - 2], aCs = a.strides[a.rank() - 1];
        int bRs = b.strides[b.rank() - 2], bCs = b.strides[b.rank() - 1];
        int oRs = out.strides[out.rank() - 2], oCs = out.strides[out.rank() - 1];
        if (a.f == null) {
            for (int bi = 0; bi < batches; bi++) {
                Gemm.dgemm(m, n, k, a.d, aOff[bi], aRs, aCs, b.d, bOff[bi], bRs, bCs, out.d, oOff[bi], oRs, oCs,
                        accumulate, KernelMode.threads());
            }
            return;
        }
        GemmBatch call = new GemmBatch(batches, m, n, k, a.f, aOff, aRs, aCs, b.f, bOff, bRs, bCs,
                out.f, oOff, oRs, oCs, accumulate);
        Backend backend = Backends.active();
        if (!backend.accepts(batches, m, n, k)) {
            backend = Backends.cpu(); // the backend's own size policy (e.g. tiny products); logged below
        }
        backend.sgemm(call);
        Backends.logDevice("sgemm", call.shape(), backend);
    }
}

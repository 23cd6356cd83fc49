package org.mofa4j.gpu.tornado.resident;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Token + position embeddings on the device, forward and backward. The parameters live in one flat array
 * {@code p} (gradients in {@code g}, same layout) at the offsets of {@link ParameterLayout}: wte [V, C] at
 * {@code wteOff}, wpe [T_max, C] at {@code wpeOff}. Rows n = b·T + t of the batch [B, T]. CPU reference:
 * {@code autograd.EmbeddingFns.embedding} plus the add in {@code nn.Gpt.forward}.
 */
public final class EmbeddingKernels {
    private EmbeddingKernels() {}

    /** x[n, c] = wte[ids[n], c] + wpe[n mod T, c]; x [N, C], {@code total} = N·C. */
    public static void forward(IntArray ids, FloatArray p, int wteOff, int wpeOff, FloatArray x, int t, int c,
            int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int n = i / c;
            int j = i - n * c;
            int pos = n - (n / t) * t;
            x.set(i, p.get(wteOff + ids.get(n) * c + j) + p.get(wpeOff + pos * c + j));
        }
    }

    /**
     * dwte[ids[n], c] += dx[n, c] over all rows n: one work-item per column c walks the rows in order, so repeated
     * tokens never race and the sum is deterministic. Adds to what the head's dwte GEMM wrote. Modifies g.
     */
    public static void backwardTokens(IntArray ids, FloatArray dx, FloatArray g, int wteOff, int rows, int c) {
        for (@Parallel int j = 0; j < c; j++) {
            for (int n = 0; n < rows; n++) {
                int at = wteOff + ids.get(n) * c + j;
                g.set(at, g.get(at) + dx.get(n * c + j));
            }
        }
    }

    /**
     * dwpe[t, c] = Σ_b dx[b·T + t, c] for t &lt; T; rows T..T_max of dwpe are zero (positions the batch did not use).
     * {@code total} = T_max·C. Modifies g.
     */
    public static void backwardPositions(FloatArray dx, FloatArray g, int wpeOff, int batch, int t, int c,
            int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int pos = i / c;
            int j = i - pos * c;
            float s = 0.0f;
            if (pos < t) {
                for (int b = 0; b < batch; b++) {
                    s += dx.get((b * t + pos) * c + j);
                }
            }
            g.set(wpeOff + i, s);
        }
    }
}

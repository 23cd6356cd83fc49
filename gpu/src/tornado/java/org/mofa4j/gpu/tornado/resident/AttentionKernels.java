package org.mofa4j.gpu.tornado.resident;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Causal multi-head self-attention on the device, one work-item per (batch b, head h, query i) row. Layouts:
 * qkv [B·T, 3C] as the QKV projection writes it (q in columns [0, C), k in [C, 2C), v in [2C, 3C), head h at
 * columns h·D..h·D+D−1 of each), probabilities att [B, H, T, T] (zero above the diagonal), head outputs merged
 * into y [B·T, C]. Equations as {@code autograd.AttentionFns.sdpa} with the causal mask, s = 1/√D:
 * <pre>
 *   P = softmax(s·Q·Kᵀ + mask),  Y = P·V
 *   dP = dY·Vᵀ,  dZ = P⊙dP − P·rowsum(P⊙dP),  dQ = s·dZ·K,  dK = s·dZᵀ·Q,  dV = Pᵀ·dY
 * </pre>
 * The backward is two kernels so that no two work-items add into the same element: {@link #backwardQuery}
 * (rows i: dZ and dQ) then {@link #backwardKeyValue} (rows j: dK and dV as sums over the queries i ≥ j).
 */
public final class AttentionKernels {
    private AttentionKernels() {}

    /** att and y from qkv; {@code rowsTotal} = B·H·T. */
    public static void forward(FloatArray qkv, FloatArray att, FloatArray y, int t, int heads, int d,
            float scale, int rowsTotal) {
        for (@Parallel int r = 0; r < rowsTotal; r++) {
            int i = r - (r / t) * t;
            int bh = r / t;
            int b = bh / heads;
            int h = bh - b * heads;
            int c = heads * d;
            int c3 = 3 * c;
            int q0 = (b * t + i) * c3 + h * d;
            int a0 = r * t;
            float max = -3.0e38f;
            for (int j = 0; j <= i; j++) {
                int k0 = (b * t + j) * c3 + c + h * d;
                float s = 0.0f;
                for (int e = 0; e < d; e++) {
                    s += qkv.get(q0 + e) * qkv.get(k0 + e);
                }
                s = s * scale;
                att.set(a0 + j, s);
                max = TornadoMath.max(max, s);
            }
            float sum = 0.0f;
            for (int j = 0; j <= i; j++) {
                float ex = TornadoMath.exp(att.get(a0 + j) - max);
                att.set(a0 + j, ex);
                sum += ex;
            }
            float inv = 1.0f / sum;
            for (int j = 0; j < t; j++) {
                if (j <= i) {
                    att.set(a0 + j, att.get(a0 + j) * inv);
                } else {
                    att.set(a0 + j, 0.0f);
                }
            }
            int y0 = (b * t + i) * c + h * d;
            for (int e = 0; e < d; e++) {
                float acc = 0.0f;
                for (int j = 0; j <= i; j++) {
                    acc += att.get(a0 + j) * qkv.get((b * t + j) * c3 + 2 * c + h * d + e);
                }
                y.set(y0 + e, acc);
            }
        }
    }

    /** dZ [B, H, T, T] (row i) and dQ into the q columns of dqkv, from dy [B·T, C]. */
    public static void backwardQuery(FloatArray qkv, FloatArray att, FloatArray dy, FloatArray dz, FloatArray dqkv,
            int t, int heads, int d, float scale, int rowsTotal) {
        for (@Parallel int r = 0; r < rowsTotal; r++) {
            int i = r - (r / t) * t;
            int bh = r / t;
            int b = bh / heads;
            int h = bh - b * heads;
            int c = heads * d;
            int c3 = 3 * c;
            int a0 = r * t;
            int dy0 = (b * t + i) * c + h * d;
            float rowSum = 0.0f;
            for (int j = 0; j <= i; j++) {
                int v0 = (b * t + j) * c3 + 2 * c + h * d;
                float dp = 0.0f;
                for (int e = 0; e < d; e++) {
                    dp += dy.get(dy0 + e) * qkv.get(v0 + e);
                }
                float pd = dp * att.get(a0 + j);
                dz.set(a0 + j, pd);
                rowSum += pd;
            }
            for (int j = 0; j < t; j++) {
                if (j <= i) {
                    dz.set(a0 + j, dz.get(a0 + j) - att.get(a0 + j) * rowSum);
                } else {
                    dz.set(a0 + j, 0.0f);
                }
            }
            int q0 = (b * t + i) * c3 + h * d;
            for (int e = 0; e < d; e++) {
                float acc = 0.0f;
                for (int j = 0; j <= i; j++) {
                    acc += dz.get(a0 + j) * qkv.get((b * t + j) * c3 + c + h * d + e);
                }
                dqkv.set(q0 + e, acc * scale);
            }
        }
    }

    /** dK and dV into the k and v columns of dqkv; row r = (b, h, j) sums over the queries i ≥ j. */
    public static void backwardKeyValue(FloatArray qkv, FloatArray att, FloatArray dy, FloatArray dz,
            FloatArray dqkv, int t, int heads, int d, float scale, int rowsTotal) {
        for (@Parallel int r = 0; r < rowsTotal; r++) {
            int j = r - (r / t) * t;
            int bh = r / t;
            int b = bh / heads;
            int h = bh - b * heads;
            int c = heads * d;
            int c3 = 3 * c;
            int k0 = (b * t + j) * c3 + c + h * d;
            for (int e = 0; e < d; e++) {
                float dk = 0.0f;
                float dv = 0.0f;
                for (int i = j; i < t; i++) {
                    int a = (bh * t + i) * t + j;
                    dk += dz.get(a) * qkv.get((b * t + i) * c3 + h * d + e);
                    dv += att.get(a) * dy.get((b * t + i) * c + h * d + e);
                }
                dqkv.set(k0 + e, dk * scale);
                dqkv.set(k0 + c + e, dv);
            }
        }
    }
}

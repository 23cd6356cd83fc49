package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** Test fixtures for {@link Gemm}: random strided views and a float64 EJML oracle with an error bound. */
final class GemmViews {

    /** How a view's elements sit in its array. */
    enum Layout {
        /** Row-major, offset 0: (rs, cs) = (cols, 1). */
        ROW_MAJOR,
        /** Column-major (a transpose of a row-major array): (rs, cs) = (1, rows). */
        COL_MAJOR,
        /** Row-major sub-matrix of a wider, taller array, at a non-zero offset. */
        SUB_ROW_MAJOR,
        /** Column-major sub-matrix of a larger array, at a non-zero offset. */
        SUB_COL_MAJOR
    }

    /** A rows×cols view (data, off, rs, cs); element (i, j) is data[off + i·rs + j·cs]. */
    record View(int rows, int cols, float[] data, int off, int rs, int cs) {
        float get(int i, int j) {
            return data[off + i * rs + j * cs];
        }

        /** mask[x] is true where array element x belongs to the view. */
        boolean[] mask() {
            boolean[] in = new boolean[data.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    in[off + i * rs + j * cs] = true;
                }
            }
            return in;
        }

        /** The view's values widened to float64, row-major. */
        DMatrixRMaj toDouble(boolean abs) {
            DMatrixRMaj d = new DMatrixRMaj(rows, cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    d.unsafe_set(i, j, abs ? Math.abs(get(i, j)) : get(i, j));
                }
            }
            return d;
        }

        View copy() {
            return new View(rows, cols, data.clone(), off, rs, cs);
        }
    }

    private GemmViews() {
    }

    /** A view with values uniform in [-1, 1); array elements outside the view are filled too (with sentinels). */
    static View random(Random rnd, int rows, int cols, Layout layout) {
        int padR = layout == Layout.SUB_ROW_MAJOR || layout == Layout.SUB_COL_MAJOR ? 3 : 0;
        int padC = padR == 0 ? 0 : 5;
        int R = rows + padR, C = cols + padC;                 // parent array: [R, C]
        float[] data = new float[Math.max(1, R * C)];
        for (int i = 0; i < data.length; i++) {
            data[i] = 1000f + i;                              // sentinel: must never be read into, or written
        }
        int off, rs, cs;
        switch (layout) {
            case ROW_MAJOR -> { off = 0; rs = cols; cs = 1; }
            case COL_MAJOR -> { off = 0; rs = 1; cs = rows; }
            case SUB_ROW_MAJOR -> { off = 2 * C + 3; rs = C; cs = 1; }
            default -> { off = 2 * R + 1; rs = 1; cs = R; }
        }
        View v = new View(rows, cols, data, off, rs, cs);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                data[off + i * rs + j * cs] = rnd.nextFloat() * 2 - 1;
            }
        }
        return v;
    }

    /** Runs sgemm on views. */
    static void sgemm(View a, View b, View c, boolean accumulate, int threads) {
        Gemm.sgemm(a.rows, b.cols, a.cols, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs,
                c.data, c.off, c.rs, c.cs, accumulate, threads);
    }

    /**
     * Asserts C_after ≈ (accumulate ? C_before : 0) + A·B elementwise, with the reference from EJML in float64
     * and the bound |err| ≤ γ·(Σₚ|a_ip·b_pj| + |c_before|), γ = (min(k, KC) + ⌈k/KC⌉ + 2)·2⁻²⁴: the rounding
     * budget of the blocked fma arithmetic. A dropped k-block, a wrong sign or a missing term is far outside it.
     * Also asserts that array elements outside C's view kept their values.
     */
    static void assertProduct(View a, View b, View cBefore, View cAfter, boolean accumulate) {
        int m = a.rows, n = b.cols, k = a.cols;
        DMatrixRMaj ref = new DMatrixRMaj(m, n), mag = new DMatrixRMaj(m, n);
        CommonOps_DDRM.mult(a.toDouble(false), b.toDouble(false), ref);
        CommonOps_DDRM.mult(a.toDouble(true), b.toDouble(true), mag);
        double gamma = (Math.min(k, Gemm.KC) + (k + Gemm.KC - 1) / Gemm.KC + 2) * 0x1p-24;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double before = accumulate ? cBefore.get(i, j) : 0;
                double expected = before + ref.get(i, j);
                double tol = gamma * (mag.get(i, j) + Math.abs(before)) + Double.MIN_NORMAL;
                double got = cAfter.get(i, j);
                if (!(Math.abs(got - expected) <= tol)) {
                    fail(String.format("sgemm [%d, %d]·[%d, %d]: C[%d, %d] = %s, expected %s ± %.3g",
                            m, k, k, n, i, j, got, expected, tol));
                }
            }
        }
        boolean[] inC = cAfter.mask();
        for (int x = 0; x < cAfter.data.length; x++) {
            if (!inC[x]) {
                assertEquals(cBefore.data[x], cAfter.data[x], "element " + x + " outside C's view was written");
            }
        }
    }
}

package org.mofa4j.optim;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.decomposition.qr.QRDecompositionHouseholderColumn_DDRM;
import org.ejml.dense.row.decomposition.qr.QrHelperFunctions_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * The rank-r momentum factors M = U·diag(S)·Vᵀ of one m×n matrix and the two pieces of dense algebra MoFaSGD
 * needs on them: the per-step factor update (UMF) and the one-off top-r SVD used to initialise the factors.
 *
 * <p>UMF (Mahdavinia &amp; Mahdavi 2025; algorithms.md §1.4). Given the skinny products A = G·V [m, r] and
 * Bt = Gᵀ·U [n, r]:
 * <pre>
 *   C₀ = Uᵀ·A                                       [r, r]
 *   [U | A]  = Q_U·R_U,   [V | Bt] = Q_V·R_V         thin Householder QR, Q_U [m, p], R_U [p, 2r], p = min(m, 2r)
 *   K₀ = [[β·diag(S) − C₀, I], [I, 0]]               [2r, 2r]
 *   Mid = R_U·K₀·R_Vᵀ = Ā·diag(σ̄)·C̄ᵀ                 [p, q], q = min(n, 2r)
 *   U⁺ = Q_U·Ā[:, :r],  S⁺ = σ̄[:r],  V⁺ = Q_V·C̄[:, :r]
 * </pre>
 * Because [U | GV]·K₀·[V | GᵀU]ᵀ = β·U·diag(S)·Vᵀ + P_T(G), with P_T(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ the tangent
 * projection, the result is exactly M⁺ = SVD_r(β·M + P_T(G)). Only the products A and Bt touch the m×n
 * gradient, so the same routine serves the fused mode, where they are summed over micro-batches in backward.
 *
 * <p>The QRs and the SVD run in float64 on EJML (the factors are small: m×2r, n×2r, 2r×2r); the tall
 * back-multiplications Q·Ā[:, :r] apply the QRs' Householder reflectors to Ā[:, :r] directly, so Q is never
 * formed (half the work of forming it, and no [m, 2r] or [n, 2r] Q). The results are rounded once to the
 * parameter's dtype, so the stored factors are orthonormal to that dtype's precision and errors do not accumulate.
 * Householder QR tolerates zero or dependent columns (G = 0, or G·V ∈ span(U)): EJML then reports
 * {@code decompose() == false} but Q still has orthonormal columns and Q·R
 * still equals the input, which is all UMF needs, so that flag is ignored.
 */
final class LowRankMomentum {
    /**
     * Above this many multiply-adds (m·n·min(m, n)) the initial top-r SVD is randomised instead of exact: EJML's
     * dense SVD of a 768×3072 matrix takes over 10 s.
     */
    static final long EXACT_SVD_WORK = 1L << 25;
    /** Oversampling and power iterations of the randomised range finder (Halko, Martinsson &amp; Tropp 2011). */
    static final int OVERSAMPLE = 10;
    static final int POWER_ITERATIONS = 2;

    /** Rank-r factors in the parameter's dtype: u [m, r], s [r] (non-negative, descending), v [n, r]. */
    record Factors(Tensor u, Tensor s, Tensor v) {}

    private LowRankMomentum() {}

    /**
     * One UMF step, M⁺ = SVD_r(β·U·diag(S)·Vᵀ + P_T(G)), from the products A = G·V and Bt = Gᵀ·U.
     *
     * @param u  [m, r] orthonormal columns. Not modified.
     * @param s  [r]. Not modified.
     * @param v  [n, r] orthonormal columns. Not modified.
     * @param a  G·V [m, r]. Not modified.
     * @param bt Gᵀ·U [n, r]. Not modified.
     * @return new factors in u's dtype
     */
    static Factors umf(Tensor u, Tensor s, Tensor v, Tensor a, Tensor bt, double beta, String name) {
        int m = u.dim(0);
        int n = v.dim(0);
        int r = u.dim(1);
        // [U | A] [m, 2r] and [V | Bt] [n, 2r] in float64, filled straight from the (possibly strided) tensors.
        DMatrixRMaj ua = new DMatrixRMaj(m, 2 * r);
        copyColumns(u, ua, 0);
        copyColumns(a, ua, r);
        DMatrixRMaj vb = new DMatrixRMaj(n, 2 * r);
        copyColumns(v, vb, 0);
        copyColumns(bt, vb, r);
        DMatrixRMaj c0 = leftTransRight(ua, r); // C₀ = Uᵀ·G·V [r, r]

        // Thin QRs of the two [., 2r] blocks; Q stays as Householder reflectors (never formed).
        QRDecompositionHouseholderColumn_DDRM qrU = new QRDecompositionHouseholderColumn_DDRM();
        qrU.decompose(ua); // ua is not modified (the decomposition works on its own column copy)
        DMatrixRMaj rU = qrU.getR(null, true); // [p, 2r]
        QRDecompositionHouseholderColumn_DDRM qrV = new QRDecompositionHouseholderColumn_DDRM();
        qrV.decompose(vb);
        DMatrixRMaj rV = qrV.getR(null, true); // [q, 2r]

        // K₀ = [[β·diag(S) − C₀, I], [I, 0]]  [2r, 2r]
        DMatrixRMaj k0 = new DMatrixRMaj(2 * r, 2 * r);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                k0.unsafe_set(i, j, (i == j ? beta * s.getFlat(i) : 0.0) - c0.unsafe_get(i, j));
            }
            k0.unsafe_set(i, r + i, 1.0);
            k0.unsafe_set(r + i, i, 1.0);
        }
        DMatrixRMaj rk = new DMatrixRMaj(rU.numRows, 2 * r);
        CommonOps_DDRM.mult(rU, k0, rk);
        DMatrixRMaj mid = new DMatrixRMaj(rU.numRows, rV.numRows);
        CommonOps_DDRM.multTransB(rk, rV, mid); // Mid = R_U·K₀·R_Vᵀ [p, q]

        Svd core = svd(mid, name, "the 2r×2r core");
        DType dtype = u.dtype();
        return new Factors(
                toTensor(applyQ(qrU, m, core.left, r), dtype),
                toTensor(core.values, r, dtype),
                toTensor(applyQ(qrV, n, core.right, r), dtype));
    }

    /**
     * The top-r singular triplets of x [m, n]: exact (EJML's dense SVD) when m·n·min(m, n) ≤
     * {@link #EXACT_SVD_WORK}, otherwise a randomised range finder with {@link #OVERSAMPLE} extra columns and
     * {@link #POWER_ITERATIONS} power iterations, seeded by {@code seed} (deterministic).
     */
    static Factors topSingular(Tensor x, int r, long seed, String name) {
        int m = x.dim(0);
        int n = x.dim(1);
        int k = Math.min(r + OVERSAMPLE, Math.min(m, n));
        if ((long) m * n * Math.min(m, n) <= EXACT_SVD_WORK || k == Math.min(m, n)) {
            Svd full = svd(toMatrix(x), name, "the initial matrix");
            return new Factors(toTensor(columns(full.left, r), x.dtype()), toTensor(full.values, r, x.dtype()),
                    toTensor(columns(full.right, r), x.dtype()));
        }
        // Randomised subspace iteration: the big products use the tensor GEMM, orthonormalisation uses EJML.
        Rng rng = new Rng(seed);
        Tensor q = orthonormal(x.matmul(rng.normal(x.dtype(), 0, 1, n, k)), x.dtype()); // [m, k]
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            Tensor z = orthonormal(x.t().matmul(q), x.dtype()); // [n, k]
            q = orthonormal(x.matmul(z), x.dtype());
        }
        // x ≈ Q·(Qᵀx); (Qᵀx)ᵀ = xᵀQ = Z [n, k] = Uz·Σ·Vzᵀ, so x ≈ (Q·Vz)·Σ·Uzᵀ.
        Svd small = svd(toMatrix(x.t().matmul(q)), name, "the sketched matrix");
        return new Factors(times(toMatrix(q), small.right, r).to(x.dtype()),
                toTensor(small.values, r, x.dtype()), toTensor(columns(small.left, r), x.dtype()));
    }

    // ---------------------------------------------------------------- single-pass sketch (fused first step)

    /**
     * Sizes of the single-pass sketch of an m×n matrix for rank r: the range sketch Y = G·Ω has k = min(r +
     * {@link #OVERSAMPLE}, m, n) columns and the co-range sketch W = Gᵀ·Ψ has l = min(2k + 1, m) (Tropp et al.'s
     * choice l = 2k + 1, which keeps the least-squares step below well conditioned).
     */
    record SketchSize(int k, int l) {
        static SketchSize of(int r, int m, int n) {
            int k = Math.min(r + OVERSAMPLE, Math.min(m, n));
            return new SketchSize(k, Math.min(2 * k + 1, m));
        }
    }

    /** The range test matrix Ω [n, k]: standard normal, regenerated from {@code seed} whenever needed. */
    static Tensor rangeTest(long seed, DType dtype, int n, int k) {
        return new Rng(seed).normal(dtype, 0, 1, n, k);
    }

    /** The co-range test matrix Ψ [m, l]: standard normal, from a stream independent of Ω's. */
    static Tensor corangeTest(long seed, DType dtype, int m, int l) {
        return new Rng(~seed).normal(dtype, 0, 1, m, l);
    }

    /**
     * The top-r SVD of the matrix G reconstructed from a single-pass sketch (Tropp, Yurtsever, Udell &amp; Cevher,
     * "Practical sketching algorithms for low-rank matrix approximation", SIMAX 2017, §4):
     * <pre>
     *   Y = G·Ω [m, k],  W = Gᵀ·Ψ [n, l]           (both linear in G, so they sum over contributions)
     *   Q = orth(Y) [m, k],   X = argmin ‖(Ψᵀ·Q)·X − Wᵀ‖_F   [k, n]   (least squares, Ψᵀ·Q is [l, k])
     *   Ĝ = Q·X = Ũ·diag(σ)·Ṽᵀ  →  U = Q·Ũ[:, :r],  S = σ[:r],  V = Ṽ[:, :r]
     * </pre>
     * Ĝ equals G exactly (up to rounding) when rank(G) ≤ k, and its error otherwise is within a small factor of
     * the best rank-k error for a quickly decaying spectrum. G itself is never needed, which is what lets fused
     * MoFaSGD start from its first gradient without forming it.
     *
     * @param y   G·Ω [m, k]. Not modified.
     * @param w   Gᵀ·Ψ [n, l]. Not modified.
     * @param psi Ψ [m, l], the co-range test matrix W was taken with. Not modified.
     * @return rank-r factors in y's dtype
     */
    static Factors fromSketch(Tensor y, Tensor w, Tensor psi, int r, String name) {
        int m = y.dim(0);
        int k = y.dim(1);
        int n = w.dim(0);
        int l = w.dim(1);
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, k);
        qr.decompose(toMatrix(y)); // Householder: Q is orthonormal even for Y = 0 or dependent columns
        DMatrixRMaj q = qr.getQ(null, true); // [m, k]
        DMatrixRMaj psiQ = new DMatrixRMaj(l, k);
        CommonOps_DDRM.multTransA(toMatrix(psi), q, psiQ); // Ψᵀ·Q [l, k]
        DMatrixRMaj wT = new DMatrixRMaj(l, n);
        CommonOps_DDRM.transpose(toMatrix(w), wT); // Ψᵀ·G [l, n]
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.leastSquares(l, k);
        if (!solver.setA(psiQ)) {
            throw new ArithmeticException("MoFaSGD: the sketch of the first gradient of '" + name + "' is singular "
                    + "(Ψᵀ·Q, " + l + "×" + k + "); is the gradient finite?");
        }
        DMatrixRMaj x = new DMatrixRMaj(k, n);
        solver.solve(wT, x);
        Svd small = svd(x, name, "the sketched first gradient");
        DType dtype = y.dtype();
        return new Factors(times(q, small.left, r).to(dtype), toTensor(small.values, r, dtype),
                toTensor(columns(small.right, r), dtype));
    }

    // ---------------------------------------------------------------- dense helpers (float64, EJML)

    /** Left vectors [rows, k], values [k] (descending) and right vectors [cols, k], k = min(rows, cols). */
    private record Svd(DMatrixRMaj left, double[] values, DMatrixRMaj right) {}

    private static Svd svd(DMatrixRMaj x, String name, String what) {
        SingularValueDecomposition_F64<DMatrixRMaj> dec =
                DecompositionFactory_DDRM.svd(x.numRows, x.numCols, true, true, true);
        if (!dec.decompose(x)) {
            throw new ArithmeticException("MoFaSGD: the SVD of " + what + " of '" + name + "' (" + x.numRows + "×"
                    + x.numCols + ") did not converge; is the gradient finite?");
        }
        DMatrixRMaj left = dec.getU(null, false);
        DMatrixRMaj right = dec.getV(null, false);
        int k = Math.min(x.numRows, x.numCols);
        double[] values = dec.getSingularValues().clone();
        SingularOps_DDRM.descendingOrder(left, false, values, k, right, false);
        return new Svd(left, values, right);
    }

    /** The orthonormal factor of a thin Householder QR of y [rows, k]. */
    private static Tensor orthonormal(Tensor y, DType dtype) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(y.dim(0), y.dim(1));
        qr.decompose(toMatrix(y));
        return toTensor(qr.getQ(null, true), dtype);
    }

    /** a·b[:, :r] as a float64 tensor; the tall product (m×2r by 2r×r) runs on the tensor GEMM. */
    private static Tensor times(DMatrixRMaj a, DMatrixRMaj b, int r) {
        return toTensor(a, DType.F64).matmul(toTensor(columns(b, r), DType.F64));
    }

    /**
     * Q·[x[:, :r]; 0] [rows, r] for the thin QR {@code qr} of a [rows, c] matrix, x [p, ≥ r], p = min(rows, c):
     * the reflectors H_{p−1}, ..., H₀ applied in turn to the zero-padded block, as EJML's own getQ applies them
     * to the identity. This is Q·x[:, :r] up to rounding, without the [rows, p] matrix Q.
     */
    private static DMatrixRMaj applyQ(QRDecompositionHouseholderColumn_DDRM qr, int rows, DMatrixRMaj x, int r) {
        double[][] reflectors = qr.getQR(); // column j holds H_j's vector below the diagonal (R on and above)
        double[] gammas = qr.getGammas();
        int p = x.numRows;
        DMatrixRMaj out = new DMatrixRMaj(rows, r);
        for (int i = 0; i < p; i++) {
            System.arraycopy(x.data, i * x.numCols, out.data, i * r, r);
        }
        double[] work = new double[r];
        for (int j = p - 1; j >= 0; j--) {
            double[] h = reflectors[j];
            double diagonal = h[j];
            h[j] = 1; // the reflector's implicit leading 1, as in EJML's getQ
            QrHelperFunctions_DDRM.rank1UpdateMultR(out, h, gammas[j], 0, j, rows, work);
            h[j] = diagonal;
        }
        return out;
    }

    /** x[:, :r]ᵀ·x[:, r:2r] [r, r] for x [rows, 2r]; a row-major pass. */
    private static DMatrixRMaj leftTransRight(DMatrixRMaj x, int r) {
        DMatrixRMaj out = new DMatrixRMaj(r, r);
        double[] xd = x.data;
        double[] od = out.data;
        for (int k = 0; k < x.numRows; k++) {
            int row = k * 2 * r;
            for (int i = 0; i < r; i++) {
                double xi = xd[row + i];
                for (int j = 0; j < r; j++) {
                    od[i * r + j] += xi * xd[row + r + j];
                }
            }
        }
        return out;
    }

    /** Copies the 2-D tensor t [rows, k] (any strides, F32 or F64) into out[:, col0:col0+k]. Modifies: out. */
    private static void copyColumns(Tensor t, DMatrixRMaj out, int col0) {
        int rows = t.dim(0);
        int k = t.dim(1);
        int[] st = t.strides();
        int off = t.offset();
        int oc = out.numCols;
        double[] od = out.data;
        if (t.dtype() == DType.F32) {
            float[] d = t.data();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    od[i * oc + col0 + j] = d[off + i * st[0] + j * st[1]];
                }
            }
        } else {
            double[] d = t.dataF64();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    od[i * oc + col0 + j] = d[off + i * st[0] + j * st[1]];
                }
            }
        }
    }

    private static DMatrixRMaj columns(DMatrixRMaj x, int r) {
        return CommonOps_DDRM.extract(x, 0, x.numRows, 0, r);
    }

    static DMatrixRMaj toMatrix(Tensor t) {
        return DMatrixRMaj.wrap(t.dim(0), t.dim(1), t.toDoubleArray());
    }

    static Tensor toTensor(DMatrixRMaj x, DType dtype) {
        double[] data = x.getNumElements() == x.data.length ? x.data : java.util.Arrays.copyOf(x.data,
                x.getNumElements());
        return Tensor.wrap(data, x.numRows, x.numCols).to(dtype);
    }

    private static Tensor toTensor(double[] values, int r, DType dtype) {
        return Tensor.of(java.util.Arrays.copyOf(values, r), r).to(dtype);
    }
}

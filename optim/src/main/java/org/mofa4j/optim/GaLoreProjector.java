package org.mofa4j.optim;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * GaLore's orthogonal projector for one m×n matrix, built from the top-r singular vectors of a gradient
 * G = U·S·Vᵀ (Zhao et al., "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", ICML 2024).
 * With U_r the first r columns of U [m, r] and V_rᵀ the first r rows of Vᵀ [r, n]:
 * <pre>
 *   side       project(G)            projectBack(N)      stored
 *   LEFT       R = U_rᵀ·G   [r, n]   U_r·N      [m, n]   U_r  [m, r]
 *   RIGHT      R = G·V_r    [m, r]   N·V_rᵀ     [m, n]   V_rᵀ [r, n]
 *   TWO_SIDED  R = U_rᵀ·G·V_r [r, r] U_r·N·V_rᵀ [m, n]   both
 * </pre>
 * The side is always carried explicitly, never guessed from the shape of the low-rank matrix (the reference's
 * {@code reverse_std} mode guesses and goes wrong when that matrix is square).
 *
 * <p>The SVD runs in float64 on the host (EJML), and the vectors are rounded to the gradient's dtype; the
 * reference computes it in float32. The scale α is not part of the projector; {@link GaLore} applies it.
 *
 * <p>Instances handed out by {@link GaLore#projector} are snapshots: the accessors return copies.
 */
public final class GaLoreProjector {
    /** Which singular vectors the projector keeps. */
    public enum Side { LEFT, RIGHT, TWO_SIDED }

    private final Side side;
    /** U_r [m, r] for LEFT and TWO_SIDED, else null. Not copied: GaLore keeps it in the parameter's state. */
    final Tensor u;
    /** V_rᵀ [r, n] for RIGHT and TWO_SIDED, else null. */
    final Tensor vt;

    GaLoreProjector(Side side, Tensor u, Tensor vt) {
        this.side = side;
        this.u = u;
        this.vt = vt;
    }

    /**
     * The projector onto the top-{@code rank} singular subspace of {@code g} [m, n]; rank is clipped to min(m, n).
     * Not modified: g.
     *
     * @throws IllegalStateException when g holds NaN or Inf, or the SVD does not converge
     */
    public static GaLoreProjector fromGradient(Tensor g, Side side, int rank) {
        if (g.rank() != 2) {
            throw new IllegalArgumentException("GaLoreProjector: needs a 2-D gradient, got shape "
                    + Shapes.str(g.shape()));
        }
        if (rank < 1) {
            throw new IllegalArgumentException("GaLoreProjector: rank must be ≥ 1, got " + rank);
        }
        int m = g.dim(0);
        int n = g.dim(1);
        int r = Math.min(rank, Math.min(m, n));
        double[] values = g.toDoubleArray();
        for (double x : values) {
            if (!Double.isFinite(x)) {
                throw new IllegalStateException("GaLoreProjector: the gradient " + Shapes.str(g.shape())
                        + " holds NaN or Inf, so it has no SVD");
            }
        }
        boolean needU = side != Side.RIGHT;
        boolean needV = side != Side.LEFT;
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, needU, needV, true);
        if (!svd.decompose(new DMatrixRMaj(m, n, true, values))) {
            throw new IllegalStateException("GaLoreProjector: SVD of the gradient " + Shapes.str(g.shape())
                    + " did not converge");
        }
        int k = svd.numberOfSingularValues(); // min(m, n) for the compact SVD
        DMatrixRMaj uAll = needU ? svd.getU(null, false) : null; // [m, k]
        DMatrixRMaj vtAll = needV ? svd.getV(null, true) : null; // [k, n]
        SingularOps_DDRM.descendingOrder(uAll, false, svd.getSingularValues(), k, vtAll, true);

        Tensor u = null;
        if (needU) {
            u = Tensor.zeros(g.dtype(), m, r);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < r; j++) {
                    u.setFlat(i * r + j, uAll.get(i, j));
                }
            }
        }
        Tensor vt = null;
        if (needV) {
            vt = Tensor.zeros(g.dtype(), r, n);
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < n; j++) {
                    vt.setFlat(i * n + j, vtAll.get(i, j));
                }
            }
        }
        return new GaLoreProjector(side, u, vt);
    }

    public Side side() {
        return side;
    }

    /** The effective rank r = min(rank, m, n). */
    public int rank() {
        return u != null ? u.dim(1) : vt.dim(0);
    }

    /** A copy of U_r [m, r], or null for a RIGHT projector. */
    public Tensor u() {
        return u == null ? null : u.copy();
    }

    /** A copy of V_rᵀ [r, n], or null for a LEFT projector. */
    public Tensor vt() {
        return vt == null ? null : vt.copy();
    }

    /** The low-rank gradient R (see the table in the class comment). Not modified: g. */
    public Tensor project(Tensor g) {
        return switch (side) {
            case LEFT -> u.t().matmul(g);                    // [r, m]·[m, n] → [r, n]
            case RIGHT -> g.matmul(vt.t());                  // [m, n]·[n, r] → [m, r]
            case TWO_SIDED -> u.t().matmul(g).matmul(vt.t()); // [r, n]·[n, r] → [r, r]
        };
    }

    /**
     * out += alpha·projectBack(lowRank), accumulated by the matmul kernel so no m×n temporary is made; only the
     * low-rank factor is scaled. Modifies: out (which must not share storage with the projector). Not modified:
     * lowRank.
     */
    public void addProjectBack(Tensor lowRank, double alpha, Tensor out) {
        Tensor scaled = lowRank.mul(alpha);
        switch (side) {
            case LEFT -> Tensor.matmulInto(u, scaled, out, true);
            case RIGHT -> Tensor.matmulInto(scaled, vt, out, true);
            case TWO_SIDED -> Tensor.matmulInto(u, scaled.matmul(vt), out, true);
        }
    }

    /** The full-size matrix for a low-rank N, without the scale α. Not modified: lowRank. */
    public Tensor projectBack(Tensor lowRank) {
        return switch (side) {
            case LEFT -> u.matmul(lowRank);                     // [m, r]·[r, n]
            case RIGHT -> lowRank.matmul(vt);                   // [m, r]·[r, n]
            case TWO_SIDED -> u.matmul(lowRank.matmul(vt));     // [m, r]·([r, r]·[r, n])
        };
    }
}

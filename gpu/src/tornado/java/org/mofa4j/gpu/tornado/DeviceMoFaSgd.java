package org.mofa4j.gpu.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The MoFaSGD step (paper form: U·Vᵀ step, η₂ = 0; {@code org.mofa4j.optim.MoFaSgd}, algorithms.md) for one
 * matrix W [m, n] with rank-r factors, the m×n work on the device and W resident there.
 *
 * <pre>
 *   device, graph 1:  A = G·V [m, r],  Bt = Gᵀ·U [n, r],  C₀ = Uᵀ·A [r, r]                  (tiled GEMM)
 *   host (EJML, f64): [U | A] = Q_U·R_U,  [V | Bt] = Q_V·R_V               (thin QR, Q formed: [m, p], [n, q])
 *                     K₀ = [[β·diag(S) − C₀, I], [I, 0]],  R_U·K₀·R_Vᵀ = Ā·diag(σ̄)·C̄ᵀ      (2r×2r SVD)
 *   device, graph 2:  U⁺ = Q_U·Ā[:, :r],  V⁺ = Q_V·C̄[:, :r]                    (the back-multiplications)
 *                     W += U⁺·diag(coef)·V⁺ᵀ in place, coef = −lr·η₁·φ(σ̄ₖ)      (OptimizerKernels.lowRankUpdate)
 * </pre>
 * Both task graphs are built once. W is uploaded at the first execution and only comes back on {@link #weights()}.
 * Per step the host sends G (m·n, which a device-resident backward would already hold), U, V, Q_U, Q_V and the
 * r-sized pieces, and receives A, Bt, C₀, U⁺, V⁺: O(r·(m + n)) floats besides G. The CPU implementation applies Q
 * as Householder reflectors instead of forming it; results agree to fp32 rounding. The initial factors (the
 * first step's top-r SVD of G) come from the caller.
 */
public final class DeviceMoFaSgd implements AutoCloseable {
    private final int m, n, r, p, q;
    private final double lr, beta, eta1, eps;
    // graph 1
    private final FloatArray g, u, v, a, bt, c0;
    private final GemmLaunch gv, gtu, utgv;
    private final GridScheduler grid1 = new GridScheduler();
    private final TornadoExecutionPlan plan1;
    // graph 2
    private final FloatArray w, qu, abar, qv, cbar, coef, uNext, vNext;
    private final GemmLaunch backU, backV;
    private final GridScheduler grid2 = new GridScheduler();
    private final TornadoExecutionPlan plan2;
    private TornadoExecutionResult last2;
    private final double[] s;
    private long bytesMoved;
    private long hostNanos, deviceNanos;

    /**
     * @param weights W [m, n] row-major (copied)
     * @param u0      U [m, r] row-major, orthonormal columns
     * @param s0      S [r], descending
     * @param v0      V [n, r] row-major, orthonormal columns
     */
    public DeviceMoFaSgd(float[] weights, int m, int n, float[] u0, float[] s0, float[] v0, int r, double lr,
            double beta, double eta1, double eps, TornadoDevice device) {
        if (weights.length != m * n || u0.length != m * r || v0.length != n * r || s0.length != r) {
            throw new IllegalArgumentException("DeviceMoFaSgd: W " + weights.length + " for [" + m + ", " + n
                    + "], U " + u0.length + " for [" + m + ", " + r + "], S " + s0.length + " for [" + r + "], V "
                    + v0.length + " for [" + n + ", " + r + "]");
        }
        this.m = m;
        this.n = n;
        this.r = r;
        this.p = Math.min(m, 2 * r);
        this.q = Math.min(n, 2 * r);
        this.lr = lr;
        this.beta = beta;
        this.eta1 = eta1;
        this.eps = eps;
        this.s = new double[r];
        for (int i = 0; i < r; i++) {
            s[i] = s0[i];
        }
        String id = "mofa" + System.identityHashCode(this);

        g = new FloatArray(m * n);
        u = FloatArray.fromArray(u0);
        v = FloatArray.fromArray(v0);
        a = new FloatArray(m * r);
        bt = new FloatArray(n * r);
        c0 = new FloatArray(r * r);
        String n1 = id + "a";
        TaskGraph t1 = new TaskGraph(n1).transferToDevice(DataTransferMode.EVERY_EXECUTION, g, u, v);
        gv = new GemmLaunch(t1, n1, "gv", g, v, a, 1, grid1, GemmLaunch.blockedFor(m, r));
        gv.set(m, r, n, n, 1, r, 1, r, 1, false);                        // A = G·V
        gtu = new GemmLaunch(t1, n1, "gtu", g, u, bt, 1, grid1, GemmLaunch.blockedFor(n, r));
        gtu.set(n, r, m, 1, n, r, 1, r, 1, false);                       // Bt = Gᵀ·U
        utgv = new GemmLaunch(t1, n1, "utgv", u, a, c0, 1, grid1, GemmLaunch.blockedFor(r, r));
        utgv.set(r, r, m, 1, r, r, 1, r, 1, false);                      // C₀ = Uᵀ·A
        t1.transferToHost(DataTransferMode.EVERY_EXECUTION, a, bt, c0);
        plan1 = new TornadoExecutionPlan(t1.snapshot()).withDevice(device).withGridScheduler(grid1);

        w = FloatArray.fromArray(weights);
        qu = new FloatArray(m * p);
        abar = new FloatArray(p * r);
        qv = new FloatArray(n * q);
        cbar = new FloatArray(q * r);
        coef = new FloatArray(r);
        uNext = new FloatArray(m * r);
        vNext = new FloatArray(n * r);
        String n2 = id + "b";
        TaskGraph t2 = new TaskGraph(n2)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, qu, abar, qv, cbar, coef);
        backU = new GemmLaunch(t2, n2, "backU", qu, abar, uNext, 1, grid2, GemmLaunch.blockedFor(m, r));
        backU.set(m, r, p, p, 1, r, 1, r, 1, false);                     // U⁺ = Q_U·Ā
        backV = new GemmLaunch(t2, n2, "backV", qv, cbar, vNext, 1, grid2, GemmLaunch.blockedFor(n, r));
        backV.set(n, r, q, q, 1, r, 1, r, 1, false);                     // V⁺ = Q_V·C̄
        t2.task("update", OptimizerKernels::lowRankUpdate, w, uNext, coef, vNext, m, n, r)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, uNext, vNext)
                .transferToHost(DataTransferMode.UNDER_DEMAND, w);
        plan2 = new TornadoExecutionPlan(t2.snapshot()).withDevice(device).withGridScheduler(grid2);
        bytesMoved = 4L * m * n; // W at the first execution
    }

    /** One step with gradient G [m, n] (row-major) and learning-rate scale {@code lrScale}. */
    public void step(float[] grad, double lrScale) {
        long t0 = System.nanoTime();
        MemorySegment.copy(grad, 0, g.getSegment(), ValueLayout.JAVA_FLOAT, 0, m * n);
        plan1.execute();
        bytesMoved += 4L * (m * n + m * r + n * r) + 3 * gv.parameterBytes() + 4L * (m * r + n * r + r * r);
        long t1 = System.nanoTime();

        DMatrixRMaj ua = new DMatrixRMaj(m, 2 * r);                      // [U | A]
        DMatrixRMaj vb = new DMatrixRMaj(n, 2 * r);                      // [V | Bt]
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                ua.unsafe_set(i, k, u.get(i * r + k));
                ua.unsafe_set(i, r + k, a.get(i * r + k));
            }
        }
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < r; k++) {
                vb.unsafe_set(j, k, v.get(j * r + k));
                vb.unsafe_set(j, r + k, bt.get(j * r + k));
            }
        }
        QRDecomposition<DMatrixRMaj> qrU = DecompositionFactory_DDRM.qr(m, 2 * r);
        qrU.decompose(ua);
        QRDecomposition<DMatrixRMaj> qrV = DecompositionFactory_DDRM.qr(n, 2 * r);
        qrV.decompose(vb);
        DMatrixRMaj qU = qrU.getQ(null, true);                           // [m, p]
        DMatrixRMaj rU = qrU.getR(null, true);                           // [p, 2r]
        DMatrixRMaj qV = qrV.getQ(null, true);                           // [n, q]
        DMatrixRMaj rV = qrV.getR(null, true);                           // [q, 2r]
        DMatrixRMaj k0 = new DMatrixRMaj(2 * r, 2 * r);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                k0.unsafe_set(i, j, (i == j ? beta * s[i] : 0.0) - c0.get(i * r + j));
            }
            k0.unsafe_set(i, r + i, 1.0);
            k0.unsafe_set(r + i, i, 1.0);
        }
        DMatrixRMaj rk = new DMatrixRMaj(p, 2 * r);
        CommonOps_DDRM.mult(rU, k0, rk);
        DMatrixRMaj mid = new DMatrixRMaj(p, q);
        CommonOps_DDRM.multTransB(rk, rV, mid);                          // R_U·K₀·R_Vᵀ [p, q]
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(p, q, true, true, true);
        if (!svd.decompose(mid)) {
            throw new IllegalStateException("DeviceMoFaSgd: SVD of the " + p + "×" + q + " core did not converge");
        }
        DMatrixRMaj left = svd.getU(null, false);
        DMatrixRMaj right = svd.getV(null, false);
        double[] values = svd.getSingularValues();
        SingularOps_DDRM.descendingOrder(left, false, values, Math.min(p, q), right, false);
        fill(qu, qU);
        fill(qv, qV);
        for (int i = 0; i < p; i++) {
            for (int k = 0; k < r; k++) {
                abar.set(i * r + k, (float) left.get(i, k));
            }
        }
        for (int i = 0; i < q; i++) {
            for (int k = 0; k < r; k++) {
                cbar.set(i * r + k, (float) right.get(i, k));
            }
        }
        for (int k = 0; k < r; k++) {
            s[k] = (float) values[k];                                    // stored in fp32, as on the CPU
            double phi = Math.abs(s[k]) <= eps ? 0.0 : 1.0;
            coef.set(k, (float) (-lr * lrScale * eta1 * phi));
        }
        long t2 = System.nanoTime();

        last2 = plan2.execute();
        bytesMoved += 4L * (m * p + p * r + n * q + q * r + r) + 2 * backU.parameterBytes() + 4L * (m * r + n * r);
        MemorySegment.copy(uNext.getSegment(), 0, u.getSegment(), 0, 4L * m * r);
        MemorySegment.copy(vNext.getSegment(), 0, v.getSegment(), 0, 4L * n * r);
        long t3 = System.nanoTime();
        hostNanos += t2 - t1;
        deviceNanos += (t1 - t0) + (t3 - t2);
    }

    private static void fill(FloatArray dst, DMatrixRMaj src) {
        double[] d = src.data;
        for (int i = 0; i < d.length; i++) {
            dst.set(i, (float) d[i]);
        }
    }

    /** W [m, n] from the device (a transfer, counted). */
    public float[] weights() {
        if (last2 != null) {
            last2.transferToHost(w);
            bytesMoved += 4L * m * n;
        }
        return w.toHeapArray();
    }

    /** U [m, r], S [r], V [n, r] (host copies). */
    public float[] u() {
        return u.toHeapArray();
    }

    public float[] s() {
        float[] out = new float[r];
        for (int i = 0; i < r; i++) {
            out[i] = (float) s[i];
        }
        return out;
    }

    public float[] v() {
        return v.toHeapArray();
    }

    public long bytesMoved() {
        return bytesMoved;
    }

    /** Time in the host part (EJML QRs, 2r×2r SVD, packing) and in the device graphs, summed over steps. */
    public long hostNanos() {
        return hostNanos;
    }

    public long deviceNanos() {
        return deviceNanos;
    }

    /** Frees the device buffers. */
    @Override
    public void close() {
        Plans.close(plan1);
        Plans.close(plan2);
    }
}

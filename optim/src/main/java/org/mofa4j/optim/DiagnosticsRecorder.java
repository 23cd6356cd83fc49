package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.mofa4j.tensor.Tensor;

/**
 * The {@link Inspection} that measures: every {@code every} updates of each matrix parameter (and at its first), it
 * hands one flat record (a {@code Map} of numbers, strings and number lists, ready for JSON) to a sink. All
 * arithmetic is float64 (EJML).
 *
 * <p><b>MoFaSGD</b> (record {@code "kind": "mofasgd"}). A dense <em>shadow</em> momentum M̃ [m, n] per matrix
 * sees every gradient with the same β, M̃ ← β·M̃ + G, starting from the same M₀ = U₀·diag(S₀)·V₀ᵀ as the factors
 * (zero under gradient init), so it is what MoFaSGD would hold with unlimited memory. On due steps:
 * <pre>
 *   S                     the singular values S⁺ of the factors
 *   err_lowrank           ‖U⁺·diag(S⁺)·V⁺ᵀ − M̃‖_F / ‖M̃‖_F
 *   err_best_rank_r       ‖SVD_r(M̃) − M̃‖_F / ‖M̃‖_F = √(Σ_{i&gt;r} σᵢ²(M̃)) / ‖M̃‖_F   (Eckart–Young floor)
 *   shadow_sv             the top r singular values of M̃
 *   tangent_fraction      ‖P_T(G)‖_F / ‖G‖_F at the old factors, from skinny products only:
 *                         ‖P_T(G)‖² = ‖UᵀG‖² + ‖GV‖² − ‖UᵀGV‖²   (UUᵀG ⟂ (I−UUᵀ)GVVᵀ)
 *   angles_u_deg, _v_deg  principal angles between span(U) and span(U⁺): arccos of the singular values of UᵀU⁺
 *   update_norm           ‖ΔW‖_F;  effective_lr = ‖ΔW‖_F / ‖G‖_F;  relative_update = ‖ΔW‖_F / ‖W‖_F
 * </pre>
 * err_lowrank − err_best_rank_r is what the tangent-space projection has lost so far: the normal component
 * (I−P_U)·G·(I−P_V) of every past gradient never enters the factors.
 *
 * <p><b>GaLore.</b> At each projector refresh ({@code "galore_refresh"}): the principal angles between the old and
 * the new projector's subspaces (per side) and the fraction ‖project(G)‖_F / ‖G‖_F the new one captures. On due
 * steps ({@code "galore"}): the fraction the current, possibly stale, projector captures, and the update norms.
 *
 * <p><b>AdaLomo</b> ({@code "adalomo"}): RMS(u) before and RMS(û) after grouped normalisation, α, update norms.
 *
 * <p><b>Cost.</b> Per MoFaSGD matrix an m×n float64 shadow and one m×n addition per step; on due steps one
 * values-only SVD of the shadow and a copy of W. {@link #nanosSpent()} is the time spent here; the optimizers
 * add only the weight copy on due steps.
 */
public final class DiagnosticsRecorder implements Inspection {
    private final int every;
    private final Consumer<Map<String, Object>> sink;
    private final Map<String, DMatrixRMaj> shadows = new HashMap<>();
    private long nanos;
    private long records;

    /**
     * @param every measure every this many updates of a parameter (and its first update); ≥ 1
     * @param sink  receives each record (called on the optimizer's thread, during its step)
     */
    public DiagnosticsRecorder(int every, Consumer<Map<String, Object>> sink) {
        if (every < 1) {
            throw new IllegalArgumentException("DiagnosticsRecorder: every must be ≥ 1 step, got " + every);
        }
        if (sink == null) {
            throw new IllegalArgumentException("DiagnosticsRecorder: sink is null");
        }
        this.every = every;
        this.sink = sink;
    }

    public int every() {
        return every;
    }

    @Override
    public boolean due(long step) {
        return step == 1 || step % every == 0;
    }

    /** Nanoseconds spent inside this recorder's callbacks so far. */
    public long nanosSpent() {
        return nanos;
    }

    /** Records handed to the sink so far. */
    public long recordCount() {
        return records;
    }

    /** Bytes of the shadow momenta held (8·m·n per MoFaSGD matrix). */
    public long shadowBytes() {
        long b = 0;
        for (DMatrixRMaj s : shadows.values()) {
            b += 8L * s.getNumElements();
        }
        return b;
    }

    // ---------------------------------------------------------------- MoFaSGD

    @Override
    public void onMoFaSgdStep(MoFaSgdStep s) {
        long t0 = System.nanoTime();
        DMatrixRMaj shadow = shadows.computeIfAbsent(s.name(), k -> dense(s.before()));
        decayAndAdd(shadow, s.beta(), s.grad()); // M̃ ← β·M̃ + G, no temporary
        if (s.due()) {
            DMatrixRMaj g = LowRankMomentum.toMatrix(s.grad());
            Map<String, Object> rec = header("mofasgd", s.name(), s.step(), g);
            int r = s.after().s().numel();
            rec.put("rank", r);
            rec.put("beta", s.beta());
            rec.put("S", list(s.after().s().toDoubleArray(), r));
            double shadowNorm = NormOps_DDRM.normF(shadow);
            DMatrixRMaj diff = dense(s.after());
            CommonOps_DDRM.subtractEquals(diff, shadow);
            put(rec, "err_lowrank", NormOps_DDRM.normF(diff) / shadowNorm);
            double[] sv = singularValues(shadow);
            double tail = 0;
            for (int i = r; i < sv.length; i++) {
                tail += sv[i] * sv[i];
            }
            put(rec, "err_best_rank_r", Math.sqrt(tail) / shadowNorm);
            rec.put("shadow_sv", list(sv, r));
            put(rec, "shadow_norm", shadowNorm);
            double gNorm = NormOps_DDRM.normF(g);
            put(rec, "tangent_fraction", tangentNorm(s) / gNorm);
            rec.put("angles_u_deg", principalAnglesDeg(s.before().u(), s.after().u()));
            rec.put("angles_v_deg", principalAnglesDeg(s.before().v(), s.after().v()));
            putUpdate(rec, s.weightBefore(), s.weightAfter(), gNorm);
            emit(rec);
        }
        nanos += System.nanoTime() - t0;
    }

    /** x ← β·x + g for a contiguous F32 or F64 tensor g of x's shape. Modifies: x. */
    private static void decayAndAdd(DMatrixRMaj x, double beta, Tensor grad) {
        Tensor g = grad.contiguous();
        double[] xd = x.data;
        int n = x.getNumElements();
        int off = g.offset();
        if (g.dtype() == org.mofa4j.tensor.DType.F32) {
            float[] gd = g.data();
            for (int i = 0; i < n; i++) {
                xd[i] = beta * xd[i] + gd[off + i];
            }
        } else {
            double[] gd = g.dataF64();
            for (int i = 0; i < n; i++) {
                xd[i] = beta * xd[i] + gd[off + i];
            }
        }
    }

    /** ‖P_T(G)‖_F = √(‖UᵀG‖² + ‖GV‖² − ‖UᵀGV‖²) from G·V and Gᵀ·U. */
    private static double tangentNorm(MoFaSgdStep s) {
        DMatrixRMaj gv = LowRankMomentum.toMatrix(s.gv());   // [m, r]
        DMatrixRMaj gtu = LowRankMomentum.toMatrix(s.gtu()); // [n, r]
        DMatrixRMaj u = LowRankMomentum.toMatrix(s.before().u());
        DMatrixRMaj core = new DMatrixRMaj(u.numCols, gv.numCols);
        CommonOps_DDRM.multTransA(u, gv, core); // UᵀGV [r, r]
        double a = NormOps_DDRM.normF(gtu);
        double b = NormOps_DDRM.normF(gv);
        double c = NormOps_DDRM.normF(core);
        return Math.sqrt(Math.max(0, a * a + b * b - c * c));
    }

    // ---------------------------------------------------------------- GaLore

    @Override
    public void onGaLoreStep(GaLoreStep s) {
        long t0 = System.nanoTime();
        DMatrixRMaj g = LowRankMomentum.toMatrix(s.grad());
        double gNorm = NormOps_DDRM.normF(g);
        double captured = norm(s.projected()) / gNorm;
        if (s.refreshed()) {
            Map<String, Object> rec = header("galore_refresh", s.name(), s.step(), g);
            rec.put("rank", s.projector().rank());
            rec.put("side", s.projector().side().name());
            GaLoreProjector old = s.previous();
            if (old != null && old.u != null) {
                rec.put("angles_u_deg", principalAnglesDeg(old.u, s.projector().u));
            }
            if (old != null && old.vt != null) {
                rec.put("angles_v_deg", principalAnglesDeg(old.vt.t(), s.projector().vt.t()));
            }
            put(rec, "captured_fraction", captured);
            emit(rec);
        }
        if (s.due()) {
            Map<String, Object> rec = header("galore", s.name(), s.step(), g);
            rec.put("rank", s.projector().rank());
            put(rec, "captured_fraction", captured);
            putUpdate(rec, s.weightBefore(), s.weightAfter(), gNorm);
            emit(rec);
        }
        nanos += System.nanoTime() - t0;
    }

    // ---------------------------------------------------------------- AdaLomo

    @Override
    public void onAdaLomoStep(AdaLomoStep s) {
        long t0 = System.nanoTime();
        DMatrixRMaj g = LowRankMomentum.toMatrix(s.grad());
        Map<String, Object> rec = header("adalomo", s.name(), s.step(), g);
        put(rec, "rms_u", s.rmsRaw());
        put(rec, "rms_u_hat", s.rmsNormalised());
        put(rec, "alpha", s.alpha());
        putUpdate(rec, s.weightBefore(), s.weightAfter(), NormOps_DDRM.normF(g));
        emit(rec);
        nanos += System.nanoTime() - t0;
    }

    // ---------------------------------------------------------------- shared measurements (float64)

    private static Map<String, Object> header(String kind, String name, long step, DMatrixRMaj g) {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("kind", kind);
        rec.put("param", name);
        rec.put("step", step);
        rec.put("m", g.numRows);
        rec.put("n", g.numCols);
        return rec;
    }

    /** update_norm = ‖W⁺ − W‖_F, effective_lr = that / ‖G‖_F, relative_update = that / ‖W‖_F. */
    private static void putUpdate(Map<String, Object> rec, Tensor before, Tensor after, double gNorm) {
        DMatrixRMaj w0 = LowRankMomentum.toMatrix(before);
        DMatrixRMaj delta = LowRankMomentum.toMatrix(after);
        CommonOps_DDRM.subtractEquals(delta, w0);
        double upd = NormOps_DDRM.normF(delta);
        put(rec, "grad_norm", gNorm);
        put(rec, "update_norm", upd);
        put(rec, "effective_lr", upd / gNorm);
        put(rec, "relative_update", upd / NormOps_DDRM.normF(w0));
    }

    /**
     * Principal angles in degrees, ascending, between span(a) and span(b) for orthonormal a, b [k, r]:
     * θᵢ = arccos(σᵢ(aᵀb)), σ clamped to [0, 1].
     */
    static List<Double> principalAnglesDeg(Tensor a, Tensor b) {
        DMatrixRMaj am = LowRankMomentum.toMatrix(a);
        DMatrixRMaj bm = LowRankMomentum.toMatrix(b);
        DMatrixRMaj cross = new DMatrixRMaj(am.numCols, bm.numCols);
        CommonOps_DDRM.multTransA(am, bm, cross);
        double[] cos = singularValues(cross);
        List<Double> out = new ArrayList<>(cos.length);
        for (double c : cos) {
            out.add(Math.toDegrees(Math.acos(Math.min(1, Math.max(0, c)))));
        }
        return out;
    }

    /** Singular values of x, descending (values-only SVD). Not modified: x. */
    static double[] singularValues(DMatrixRMaj x) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(x.numRows, x.numCols, false, false, true);
        if (!svd.decompose(x.copy())) {
            throw new ArithmeticException("DiagnosticsRecorder: SVD of a " + x.numRows + "×" + x.numCols
                    + " matrix did not converge; is it finite?");
        }
        double[] sv = java.util.Arrays.copyOf(svd.getSingularValues(), svd.numberOfSingularValues());
        java.util.Arrays.sort(sv);
        for (int i = 0, j = sv.length - 1; i < j; i++, j--) {
            double tmp = sv[i];
            sv[i] = sv[j];
            sv[j] = tmp;
        }
        return sv;
    }

    /** U·diag(S)·Vᵀ [m, n] in float64. */
    private static DMatrixRMaj dense(MoFaSgd.Factors f) {
        DMatrixRMaj u = LowRankMomentum.toMatrix(f.u());
        DMatrixRMaj v = LowRankMomentum.toMatrix(f.v());
        double[] s = f.s().toDoubleArray();
        for (int i = 0; i < u.numRows; i++) {
            for (int j = 0; j < s.length; j++) {
                u.unsafe_set(i, j, u.unsafe_get(i, j) * s[j]);
            }
        }
        DMatrixRMaj out = new DMatrixRMaj(u.numRows, v.numRows);
        CommonOps_DDRM.multTransB(u, v, out);
        return out;
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (double x : t.toDoubleArray()) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static List<Double> list(double[] values, int k) {
        List<Double> out = new ArrayList<>(k);
        for (int i = 0; i < Math.min(k, values.length); i++) {
            out.add(values[i]);
        }
        return out;
    }

    /** Stores a finite value, or null (JSON has no NaN) when it is undefined, e.g. 0/0 for a zero shadow. */
    private static void put(Map<String, Object> rec, String key, double value) {
        rec.put(key, Double.isFinite(value) ? value : null);
    }

    private void emit(Map<String, Object> rec) {
        records++;
        sink.accept(rec);
    }
}

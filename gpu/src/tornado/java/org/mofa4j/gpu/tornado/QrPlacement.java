package org.mofa4j.gpu.tornado;

import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Where should MoFaSGD's small decompositions run when the factors live on the device? Measures, for a tall
 * X [m, c] (c = 2r) already on the device, the time to leave its thin Q [m, c] on the device:
 * <ul>
 *   <li><b>host</b>: X down, EJML Householder QR in float64 with Q formed, Q up (what {@link DeviceMoFaSgd} does);
 *   <li><b>device</b>: CholeskyQR2 on the device GEMM: Gram = XᵀX on the device, Cholesky Gram = RᵀR of the c×c
 *       Gram on the host, Q₁ = X·R⁻¹ on the device, and once more on Q₁ (the second pass restores orthogonality to
 *       rounding level when cond(X) ≪ 1/√ε); only c×c matrices cross the bus.
 * </ul>
 * and, for the 2r×2r SVD, the host EJML time against the device's shortest round trip (upload c² floats, one
 * trivial kernel, download c² floats), a lower bound for any device SVD. Also reported: ‖QᵀQ − I‖_max of both Qs.
 */
final class QrPlacement {
    /** One shape's timings (milliseconds, best of the repetitions) and orthogonality errors. */
    record Row(int m, int c, double hostQrMs, double deviceQrMs, double hostOrth, double deviceOrth,
            double hostSvdMs, double deviceRoundTripMs) {
        String line() {
            return String.format(Locale.ROOT, "thin QR %5d x %3d: host %7.3f ms (orth %.1e)  device CholeskyQR2 "
                    + "%7.3f ms (orth %.1e)   %dx%d SVD: host %6.3f ms, device round trip ≥ %6.3f ms", m, c,
                    hostQrMs, hostOrth, deviceQrMs, deviceOrth, c, c, hostSvdMs, deviceRoundTripMs);
        }
    }

    private QrPlacement() {}

    /**
     * Prints one line per (m, 2r) of MoFaSGD's GPT-2-small matrices and ranks 4–32, then a JSON line;
     * {@code --quick}: one small shape (for a CPU OpenCL device).
     */
    public static void main(String[] args) {
        boolean quick = java.util.List.of(args).contains("--quick");
        TornadoDevice device = TornadoRuntime.defaultDevice();
        System.out.println("device: " + device.getDeviceName() + " (" + device.getPhysicalDevice().getDeviceName()
                + ")");
        StringBuilder json = new StringBuilder("{\"qrPlacement\":[");
        boolean first = true;
        for (int m : quick ? new int[] {768} : new int[] {768, 3072}) {
            for (int c : quick ? new int[] {16} : new int[] {8, 16, 32, 64}) {
                Row r = measure(device, m, c, quick ? 3 : 20);
                System.out.println(r.line());
                json.append(first ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"m\":%d,\"c\":%d,\"hostQrMs\":%.4f,\"deviceQrMs\":%.4f,\"hostOrth\":%.2e,"
                                + "\"deviceOrth\":%.2e,\"hostSvdMs\":%.4f,\"deviceRoundTripMs\":%.4f}", r.m, r.c,
                        r.hostQrMs, r.deviceQrMs, r.hostOrth, r.deviceOrth, r.hostSvdMs, r.deviceRoundTripMs));
                first = false;
            }
        }
        System.out.println(json.append("]}"));
        System.exit(0);
    }

    /** A trivial kernel: {@code dst[i] = src[i]}. */
    static void copy(FloatArray src, FloatArray dst, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            dst.set(i, src.get(i));
        }
    }

    static Row measure(TornadoDevice device, int m, int c, int reps) {
        Random rnd = new Random(11);
        FloatArray source = new FloatArray(m * c);
        for (int i = 0; i < m * c; i++) {
            source.set(i, (float) rnd.nextGaussian());
        }
        String id = "qr" + m + "x" + c;

        // host path: X down (produced on the device from a resident source), EJML QR, Q up into a device buffer
        FloatArray x = new FloatArray(m * c);
        FloatArray qUp = new FloatArray(m * c);
        FloatArray qHostOnDevice = new FloatArray(m * c);
        TornadoExecutionPlan down = copyPlan(device, id + "down", source, DataTransferMode.FIRST_EXECUTION, x,
                DataTransferMode.EVERY_EXECUTION);
        TornadoExecutionPlan up = copyPlan(device, id + "up", qUp, DataTransferMode.EVERY_EXECUTION, qHostOnDevice,
                DataTransferMode.UNDER_DEMAND);
        TornadoExecutionResult[] upResult = new TornadoExecutionResult[1];
        double hostQr = bestMs(reps, () -> {
            down.execute();
            QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, c);
            qr.decompose(toMatrix(x, m, c));
            DMatrixRMaj q = qr.getQ(null, true);
            for (int i = 0; i < m * c; i++) {
                qUp.set(i, (float) q.data[i]);
            }
            upResult[0] = up.execute();
        });
        upResult[0].transferToHost(qHostOnDevice);
        double hostOrth = orthogonalityError(qHostOnDevice, m, c);

        // device path: CholeskyQR2 with three graphs; only c×c matrices cross
        FloatArray gram = new FloatArray(c * c);
        FloatArray rInv = new FloatArray(c * c);
        FloatArray q1 = new FloatArray(m * c);
        FloatArray q2 = new FloatArray(m * c);
        GridScheduler grids = new GridScheduler();
        TaskGraph g1 = new TaskGraph(id + "g1").transferToDevice(DataTransferMode.FIRST_EXECUTION, source)
                .task("x", QrPlacement::copy, source, x, m * c);
        GemmLaunch gram1 = new GemmLaunch(g1, id + "g1", "gram", x, x, gram, 1, grids, GemmLaunch.Kernel.TILED);
        gram1.set(c, c, m, 1, c, c, 1, c, 1, false);                   // Gram = Xᵀ·X
        g1.transferToHost(DataTransferMode.EVERY_EXECUTION, gram).persistOnDevice(x);
        TaskGraph g2 = new TaskGraph(id + "g2").consumeFromDevice(id + "g1", x)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, rInv);
        GemmLaunch apply1 = new GemmLaunch(g2, id + "g2", "apply", x, rInv, q1, 1, grids, GemmLaunch.Kernel.TILED);
        apply1.set(m, c, c, c, 1, c, 1, c, 1, false);                  // Q₁ = X·R⁻¹
        GemmLaunch gram2 = new GemmLaunch(g2, id + "g2", "gram", q1, q1, gram, 1, grids, GemmLaunch.Kernel.TILED);
        gram2.set(c, c, m, 1, c, c, 1, c, 1, false);                   // Gram = Q₁ᵀ·Q₁
        g2.transferToHost(DataTransferMode.EVERY_EXECUTION, gram).persistOnDevice(q1);
        TaskGraph g3 = new TaskGraph(id + "g3").consumeFromDevice(id + "g2", q1)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, rInv);
        GemmLaunch apply2 = new GemmLaunch(g3, id + "g3", "apply", q1, rInv, q2, 1, grids, GemmLaunch.Kernel.TILED);
        apply2.set(m, c, c, c, 1, c, 1, c, 1, false);                  // Q = Q₁·R₂⁻¹
        g3.transferToHost(DataTransferMode.UNDER_DEMAND, q2);
        // one plan holding the three graphs, so that x, q1 and gram are shared device buffers
        TornadoExecutionPlan cholesky = new TornadoExecutionPlan(g1.snapshot(), g2.snapshot(), g3.snapshot());
        cholesky.withDevice(device).withGridScheduler(grids);
        double deviceQr;
        try {
            TornadoExecutionResult[] last = new TornadoExecutionResult[1];
            deviceQr = bestMs(reps, () -> {
                cholesky.withGraph(0).execute();
                upperInverse(gram, rInv, c);
                cholesky.withGraph(1).execute();
                upperInverse(gram, rInv, c);
                last[0] = cholesky.withGraph(2).execute();
            });
            last[0].transferToHost(q2);
        } finally {
            Plans.close(cholesky);
        }
        double deviceOrth = orthogonalityError(q2, m, c);

        // the c×c SVD: host EJML against the device's shortest round trip
        DMatrixRMaj core = toMatrix(source, c, c);
        double hostSvd = bestMs(reps, () -> {
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(c, c, true, true, true);
            svd.decompose(core.copy());
            svd.getU(null, false);
            svd.getV(null, false);
        });
        TornadoExecutionPlan roundTrip = copyPlan(device, id + "rt", new FloatArray(c * c),
                DataTransferMode.EVERY_EXECUTION, new FloatArray(c * c), DataTransferMode.EVERY_EXECUTION);
        double trip = bestMs(reps, roundTrip::execute);
        Plans.close(down);
        Plans.close(up);
        Plans.close(roundTrip);
        return new Row(m, c, hostQr, deviceQr, hostOrth, deviceOrth, hostSvd, trip);
    }

    /** A plan that uploads {@code in} (per {@code inMode}), copies it to {@code out} and downloads that. */
    private static TornadoExecutionPlan copyPlan(TornadoDevice device, String name, FloatArray in, int inMode,
            FloatArray out, int outMode) {
        TaskGraph graph = new TaskGraph(name).transferToDevice(inMode, in)
                .task("copy", QrPlacement::copy, in, out, in.getSize())
                .transferToHost(outMode, out);
        return new TornadoExecutionPlan(graph.snapshot()).withDevice(device);
    }

    /** Best time in milliseconds of {@code reps} runs of {@code body} after 2 warm-up runs. */
    private static double bestMs(int reps, Runnable body) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < reps + 2; rep++) {
            long t0 = System.nanoTime();
            body.run();
            best = rep >= 2 ? Math.min(best, (System.nanoTime() - t0) / 1e6) : best;
        }
        return best;
    }

    /** rInv = R⁻¹ for the Cholesky factor of Gram = RᵀR (float64 on the host; c×c). */
    private static void upperInverse(FloatArray gram, FloatArray rInv, int c) {
        DMatrixRMaj g = toMatrix(gram, c, c);
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(c, false); // upper: Gram = RᵀR
        if (!chol.decompose(g)) {
            throw new IllegalStateException("QrPlacement: Cholesky of the " + c + "×" + c + " Gram failed");
        }
        DMatrixRMaj r = chol.getT(null);
        DMatrixRMaj inv = new DMatrixRMaj(c, c);
        if (!CommonOps_DDRM.invert(r, inv)) {
            throw new IllegalStateException("QrPlacement: R of the Cholesky QR is singular");
        }
        for (int i = 0; i < c * c; i++) {
            rInv.set(i, (float) inv.data[i]);
        }
    }

    private static DMatrixRMaj toMatrix(FloatArray a, int rows, int cols) {
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < rows * cols; i++) {
            out.data[i] = a.get(i);
        }
        return out;
    }

    /** max |QᵀQ − I| in float64. */
    private static double orthogonalityError(FloatArray q, int m, int c) {
        DMatrixRMaj qm = toMatrix(q, m, c);
        DMatrixRMaj qtq = new DMatrixRMaj(c, c);
        CommonOps_DDRM.multTransA(qm, qm, qtq);
        double worst = 0;
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                worst = Math.max(worst, Math.abs(qtq.get(i, j) - (i == j ? 1 : 0)));
            }
        }
        return worst;
    }
}

package org.mofa4j.gpu.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * AdamW on one parameter with the weights and both moments resident on the device
 * ({@link OptimizerKernels#adamW}). The task graph is built once: W, m and v are uploaded at the first execution
 * only and stay on the device; each {@link #step} uploads the gradient and the 7 hyperparameters and nothing
 * comes back until {@link #weights()} (a checkpoint or a parity check). Equations: {@code org.mofa4j.optim.AdamW}.
 */
public final class DeviceAdamW implements AutoCloseable {
    private final int n;
    private final FloatArray w;
    private final FloatArray g;
    private final FloatArray m;
    private final FloatArray v;
    private final FloatArray hyper = new FloatArray(OptimizerKernels.ADAMW_HYPER);
    private final TornadoExecutionPlan plan;
    private final double lr, beta1, beta2, eps, weightDecay;
    private long t;
    private long bytesMoved;
    private TornadoExecutionResult lastResult;

    public DeviceAdamW(float[] weights, double lr, double beta1, double beta2, double eps, double weightDecay,
            TornadoDevice device) {
        this.n = weights.length;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        w = FloatArray.fromArray(weights);
        g = new FloatArray(n);
        m = new FloatArray(n);
        v = new FloatArray(n);
        TaskGraph graph = new TaskGraph("adamw" + System.identityHashCode(this))
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w, m, v)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, g, hyper)
                .task("adamw", OptimizerKernels::adamW, w, g, m, v, hyper, n)
                .transferToHost(DataTransferMode.UNDER_DEMAND, w);
        plan = new TornadoExecutionPlan(graph.snapshot()).withDevice(device);
        bytesMoved = 12L * n; // W, m, v at the first execution
    }

    /** One step with gradient {@code grad} (host) and learning-rate scale {@code lrScale}. */
    public void step(float[] grad, double lrScale) {
        MemorySegment.copy(grad, 0, g.getSegment(), ValueLayout.JAVA_FLOAT, 0, n);
        t++;
        double rate = lr * lrScale;
        hyper.set(OptimizerKernels.LR, (float) rate);
        hyper.set(OptimizerKernels.BETA1, (float) beta1);
        hyper.set(OptimizerKernels.BETA2, (float) beta2);
        hyper.set(OptimizerKernels.EPS, (float) eps);
        hyper.set(OptimizerKernels.DECAY, (float) weightDecay);
        hyper.set(OptimizerKernels.BIAS1, (float) (1 - Math.pow(beta1, t)));
        hyper.set(OptimizerKernels.BIAS2, (float) (1 - Math.pow(beta2, t)));
        lastResult = plan.execute();
        bytesMoved += 4L * n + 4L * OptimizerKernels.ADAMW_HYPER;
    }

    /** Copies the weights back from the device (a transfer, counted). */
    public float[] weights() {
        if (lastResult != null) {
            lastResult.transferToHost(w);
            bytesMoved += 4L * n;
        }
        return w.toHeapArray();
    }

    /** Bytes moved between host and device so far. */
    public long bytesMoved() {
        return bytesMoved;
    }

    /** Frees the device buffers. */
    @Override
    public void close() {
        Plans.close(plan);
    }
}

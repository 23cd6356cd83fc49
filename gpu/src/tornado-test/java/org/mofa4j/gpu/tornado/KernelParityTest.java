package org.mofa4j.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.AdamW;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Every non-GEMM kernel on the device against the CPU path (tensor ops, optim.AdamW) or float64 loops, on odd
 * sizes. Tolerances are relative to max(1, |expected|): 1e-5 for maps and reductions, 2e-5 for exp/log/sqrt
 * kernels (device built-ins vs java.lang.Math), 1e-5 for AdamW after 3 steps.
 */
class KernelParityTest {
    static TornadoDevice device;
    static int graphs;

    @BeforeAll
    static void start() {
        device = TornadoRuntime.defaultDevice();
    }

    private static void run(TaskGraph graph, GridScheduler grid) {
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot()).withDevice(device)) {
            if (grid != null) {
                plan.withGridScheduler(grid);
            }
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError("TornadoVM execution failed", e);
        }
    }

    private static String name() {
        return "k" + (graphs++);
    }

    @Test
    void elementwiseMapsAndAxpy() {
        Random rnd = new Random(1);
        int n = 1031;
        Tensor x = UniformData.tensor(rnd, n);
        Tensor y = UniformData.tensor(rnd, n);
        FloatArray dx = FloatArray.fromArray(x.toFloatArray());
        FloatArray dy = FloatArray.fromArray(y.toFloatArray());
        FloatArray sum = new FloatArray(n);
        FloatArray prod = new FloatArray(n);
        FloatArray alpha = FloatArray.fromElements(-0.75f);
        FloatArray axpy = FloatArray.fromArray(y.toFloatArray());
        FloatArray scaled = FloatArray.fromArray(x.toFloatArray());
        TaskGraph g = new TaskGraph(name())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx, dy, alpha, axpy, scaled)
                .task("add", ElementwiseKernels::add, dx, dy, sum, n)
                .task("mul", ElementwiseKernels::mul, dx, dy, prod, n)
                .task("axpy", ElementwiseKernels::axpy, alpha, dx, axpy, n)
                .task("scale", ElementwiseKernels::scale, alpha, scaled, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sum, prod, axpy, scaled);
        run(g, null);
        ParityCheck.close("add", x.add(y), wrap(sum, n), 1e-6);
        ParityCheck.close("mul", x.mul(y), wrap(prod, n), 1e-6);
        ParityCheck.close("axpy", y.add(x.mul(-0.75)), wrap(axpy, n), 1e-6);
        ParityCheck.close("scale", x.mul(-0.75), wrap(scaled, n), 1e-6);
    }

    @Test
    void rowReductionsSumMaxRmsInTheirOwnGraph() {
        Random rnd = new Random(2);
        int rows = 37, cols = 301;
        Tensor x = UniformData.tensor(rnd, rows, cols);
        FloatArray dx = FloatArray.fromArray(x.toFloatArray());
        FloatArray sum = new FloatArray(rows);
        FloatArray max = new FloatArray(rows);
        FloatArray rms = new FloatArray(rows);
        IntArray dims = IntArray.fromElements(rows, cols);
        String gname = name();
        TaskGraph g = new TaskGraph(gname)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx, dims)
                .task("sum", RowReductionKernels::rowSum, new KernelContext(), dx, sum, dims)
                .task("max", RowReductionKernels::rowMax, new KernelContext(), dx, max, dims)
                .task("rms", RowReductionKernels::rowRms, new KernelContext(), dx, rms, dims)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sum, max, rms);
        GridScheduler grid = new GridScheduler();
        for (String t : new String[] {"sum", "max", "rms"}) {
            WorkerGrid1D w = new WorkerGrid1D(rows * RowReductionKernels.GROUP);
            w.setLocalWork(RowReductionKernels.GROUP, 1, 1);
            grid.addWorkerGrid(gname + "." + t, w);
        }
        run(g, grid);
        ParityCheck.close("row sum", x.sum(1, false), wrap(sum, rows), 1e-5);
        ParityCheck.close("row max", x.max(1, false), wrap(max, rows), 0);
        Tensor rmsRef = x.to(DType.F64).mul(x.to(DType.F64)).sum(1, false).mul(1.0 / cols).sqrt();
        ParityCheck.close("row RMS vs float64", rmsRef, wrap(rms, rows), 1e-5);
    }

    @Test
    void softmaxAndCrossEntropy() {
        Random rnd = new Random(3);
        int rows = 23, cols = 67;
        Tensor x = UniformData.tensor(rnd, rows, cols).mul(8.0); // logits up to ±8
        int[] target = new int[rows];
        for (int r = 0; r < rows; r++) {
            target[r] = rnd.nextInt(cols);
        }
        FloatArray dx = FloatArray.fromArray(x.toFloatArray());
        IntArray dt = IntArray.fromArray(target);
        FloatArray probs = new FloatArray(rows * cols);
        FloatArray loss = new FloatArray(rows);
        TaskGraph g = new TaskGraph(name())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx, dt)
                .task("sce", RowwiseKernels::softmaxCrossEntropy, dx, dt, probs, loss, rows, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, probs, loss);
        run(g, null);
        ParityCheck.close("softmax", x.softmax(1), wrap(probs, rows, cols), 2e-5);
        Tensor logp = x.to(DType.F64).logSoftmax(1);
        double[] ce = new double[rows];
        for (int r = 0; r < rows; r++) {
            ce[r] = -logp.get(r, target[r]);
        }
        ParityCheck.close("cross-entropy vs float64", Tensor.of(ce, rows), wrap(loss, rows), 2e-5);
    }

    @Test
    void layerNorm() {
        Random rnd = new Random(4);
        int rows = 19, cols = 129;
        Tensor x = UniformData.tensor(rnd, rows, cols).mul(3.0).add(0.5);
        Tensor gamma = UniformData.tensor(rnd, cols);
        Tensor beta = UniformData.tensor(rnd, cols);
        FloatArray dx = FloatArray.fromArray(x.toFloatArray());
        FloatArray dg = FloatArray.fromArray(gamma.toFloatArray());
        FloatArray db = FloatArray.fromArray(beta.toFloatArray());
        FloatArray y = new FloatArray(rows * cols);
        TaskGraph g = new TaskGraph(name())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx, dg, db)
                .task("ln", RowwiseKernels::layerNorm, dx, dg, db, y, rows, cols, 1e-5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        run(g, null);
        double[] ref = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < cols; j++) {
                mean += x.get(r, j);
            }
            mean /= cols;
            for (int j = 0; j < cols; j++) {
                var += (x.get(r, j) - mean) * (x.get(r, j) - mean);
            }
            var /= cols;
            for (int j = 0; j < cols; j++) {
                ref[r * cols + j] = (x.get(r, j) - mean) / Math.sqrt(var + 1e-5) * gamma.get(j) + beta.get(j);
            }
        }
        ParityCheck.close("LayerNorm vs float64", Tensor.of(ref, rows, cols), wrap(y, rows, cols), 2e-5);
    }

    @Test
    void adamWResidentOnTheDeviceMatchesOptimAdamW() {
        Random rnd = new Random(5);
        int rows = 31, cols = 17;
        Tensor w0 = UniformData.tensor(rnd, rows, cols);
        Variable p = Variable.parameter(w0.copy(), "w");
        AdamW cpu = new AdamW(List.of(p), new AdamW.Config(0.01, 0.9, 0.99, 1e-8, 0.1));
        try (DeviceAdamW dev = new DeviceAdamW(w0.toFloatArray(), 0.01, 0.9, 0.99, 1e-8, 0.1, device)) {
            for (int step = 0; step < 3; step++) {
                Tensor grad = UniformData.tensor(rnd, rows, cols);
                p.setGrad(grad);
                cpu.step();
                dev.step(grad.toFloatArray(), 1.0);
            }
            long before = dev.bytesMoved();
            ParityCheck.close("AdamW 3 steps", p.value(), Tensor.wrap(dev.weights(), rows, cols), 1e-5);
            assertEquals(4L * rows * cols, dev.bytesMoved() - before, "only W comes back");
            // Per step: the gradient and 7 hyperparameters go up; W, m, v went up once.
            assertEquals(12L * rows * cols + 3 * (4L * rows * cols + 28), before);
        }
    }

    private static Tensor wrap(FloatArray a, int... shape) {
        return Tensor.wrap(a.toHeapArray(), shape);
    }
}

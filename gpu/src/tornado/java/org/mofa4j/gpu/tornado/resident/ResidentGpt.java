package org.mofa4j.gpu.tornado.resident;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.gpu.tornado.Plans;
import org.mofa4j.gpu.tornado.TornadoRuntime;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.optim.AdamW;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A GPT training step ({@link Gpt}: pre-LN blocks, tanh GELU, biases everywhere, head tied to wte, attention
 * scaled by 1/√D, dropout 0) with everything resident on one TornadoVM device for a fixed batch B and context T:
 * the weights, gradients and AdamW moments (flat arrays in {@link ParameterLayout} order), and every activation
 * backward needs. Task graphs built once ({@link Resident}: TornadoVM caps a graph's size, so the step is cut into
 * graphs of {@link Resident#TASKS_PER_GRAPH} kernels that share the device buffers) do per step:
 * <pre>
 *   forward   x₀ = wte[ids] + wpe[0..T−1];  per block: h = x + proj(attn(ln1(x))), x' = h + mp(gelu(fc(ln2(h))))
 *             logits = ln_f(x_L)·wteᵀ [B·T, V],  loss = mean cross-entropy(logits, targets)
 *   backward  every gradient, overwritten (no zeroing pass): dwte = head part + embedding scatter
 *   step      ‖g‖ (two phases) and the clip coefficient; the loss and the norm come down with that graph, and
 *             the host runs the AdamW graph (one kernel per group) only when both are finite
 * </pre>
 * Per {@link #step}: the token ids and targets (4·B·T bytes each) and the step scalars (hyper, 4·(1 + 8·groups)
 * bytes) go up, the loss and the gradient norm (8 bytes) come down; nothing else moves. {@link #copyToHost} brings
 * the weights and both moments back for checkpoints, evaluation and sampling. The CPU reference is the
 * {@code nn}/{@code optim} path ({@code ResidentGptParityTest}).
 */
public final class ResidentGpt implements AutoCloseable {
    /**
     * {@code -Dmofa4j.gpu.profile=true} (read at construction): run the plan under TornadoVM's profiler, so that
     * {@link #profiledBytesLastStep()} reports the bytes TornadoVM itself counted (a check on this class's counter).
     */
    public static final String PROFILE_PROPERTY = "mofa4j.gpu.profile";

    private final Gpt model;
    private final AdamW optimizer;
    private final ParameterLayout layout;
    private final int batch;
    private final int t;
    private final int rows;
    private final IntArray ids;
    private final IntArray targets;
    private final FloatArray hyper;
    private final FloatArray result = new FloatArray(2);
    private final FloatArray params;
    private final FloatArray moment1;
    private final FloatArray moment2;
    private final TornadoExecutionPlan plan;
    private final long bytesPerStep;
    private final boolean profile;
    private final int tasks;
    private final int graphs;
    private final int stepArrays;
    private long step;
    private long bytesMoved;
    private long lastStepBytes;
    private long profiledLastStep;
    private TornadoExecutionResult lastResult;
    private TornadoExecutionResult lastFullResult;  // of the last graph, which declares W, m, v for copy-back
    private boolean updated;
    private final int resultGraph;

    /**
     * Builds the task graph for batches [batch, context]; the weights and any AdamW state already in the optimizer
     * (e.g. loaded from a checkpoint) go to the device with the first step.
     *
     * @throws IllegalArgumentException if the model has dropout, or the optimizer does not update exactly the
     *     model's parameters, or context exceeds the model's
     */
    public ResidentGpt(Gpt model, AdamW optimizer, int batch, int context, TornadoDevice device) {
        TornadoRuntime.configure(); // TornadoVM's bytecode buffer must fit this graph
        GptConfig cfg = model.config();
        if (cfg.dropout() != 0) {
            throw new IllegalArgumentException("resident GPT: dropout " + cfg.dropout() + " is not supported on the "
                    + "device (dropout 0 only); train with --dropout 0 or on the CPU");
        }
        if (batch < 1 || context < 1 || context > cfg.context()) {
            throw new IllegalArgumentException("resident GPT: batch " + batch + " and context " + context
                    + " must be ≥ 1, context ≤ the model's " + cfg.context());
        }
        this.model = model;
        this.optimizer = optimizer;
        this.layout = new ParameterLayout(model, optimizer);
        this.batch = batch;
        this.t = context;
        this.rows = batch * context;
        Resident r = new Resident("resident" + Integer.toHexString(System.identityHashCode(this)));
        int p = layout.total();
        Map<String, Tensor> state = optimizer.stateDict();
        params = FloatArray.fromArray(layout.gather());
        FloatArray grads = new FloatArray(p);
        moment1 = FloatArray.fromArray(layout.gatherState(state, "m"));
        moment2 = FloatArray.fromArray(layout.gatherState(state, "v"));
        Tensor firstStep = state.get(layout.parameters().keySet().iterator().next() + ".step");
        this.step = firstStep == null ? 0 : (long) firstStep.item();
        r.upload(params, grads, moment1, moment2);
        ids = new IntArray(rows);
        targets = new IntArray(rows);
        hyper = new FloatArray(StepKernels.HYPER_HEAD + StepKernels.GROUP_HYPER * layout.groups().size());
        r.perStep(ids, targets, hyper);
        r.result(result);
        r.onDemand(params, moment1, moment2);
        new GraphBuilder(r, cfg, layout, params, grads, moment1, moment2, ids, targets, hyper, result, batch, context)
                .build();
        TornadoExecutionPlan p0 = new TornadoExecutionPlan(r.build()).withDevice(device)
                .withGridScheduler(r.scheduler());
        this.profile = Boolean.getBoolean(PROFILE_PROPERTY);
        plan = profile ? p0.withProfiler(ProfilerMode.SILENT) : p0;
        this.tasks = r.taskCount();
        this.graphs = r.graphCount();
        this.resultGraph = r.resultGraph();
        this.stepArrays = r.arraysPerExecution();
        this.bytesPerStep = r.bytesPerExecution();
        this.bytesMoved = r.firstExecutionBytes(); // counted when the first step uploads them
    }

    /**
     * One training step on (inputs, targets), each B·T token ids in row-major [B, T] order, at learning rate
     * scale {@code lrScale} with global-norm clipping at {@code clipNorm} (0 = off).
     *
     * @return {loss, gradient norm}; when either is not finite the device left the weights and moments unchanged
     */
    public float[] step(int[] inputs, int[] targetIds, double lrScale, double clipNorm) {
        if (inputs.length != rows || targetIds.length != rows) {
            throw new IllegalArgumentException("resident GPT: a step takes " + batch + "×" + t + " = " + rows
                    + " ids and targets, got " + inputs.length + " and " + targetIds.length);
        }
        MemorySegment.copy(inputs, 0, ids.getSegment(), ValueLayout.JAVA_INT, 0, rows);
        MemorySegment.copy(targetIds, 0, targets.getSegment(), ValueLayout.JAVA_INT, 0, rows);
        long next = step + 1;
        hyper.set(0, (float) clipNorm);
        List<ParameterLayout.Group> groups = layout.groups();
        for (int gi = 0; gi < groups.size(); gi++) {
            AdamW.Config c = groups.get(gi).config();
            double lr = c.lr() * lrScale;
            double bc1 = 1 - Math.pow(c.beta1(), next);
            double bc2 = 1 - Math.pow(c.beta2(), next);
            int h = StepKernels.HYPER_HEAD + StepKernels.GROUP_HYPER * gi;
            hyper.set(h, (float) (1 - lr * c.weightDecay()));
            hyper.set(h + 1, (float) c.beta1());
            hyper.set(h + 2, (float) c.beta2());
            hyper.set(h + 3, (float) (1 - c.beta1()));
            hyper.set(h + 4, (float) (1 - c.beta2()));
            hyper.set(h + 5, (float) (lr / bc1));
            hyper.set(h + 6, (float) (1 / Math.sqrt(bc2)));
            hyper.set(h + 7, (float) c.eps());
        }
        // forward, backward, norm: the graphs up to the one that brings the loss and the norm down
        long profiled = 0;
        for (int i = 0; i <= resultGraph; i++) {
            profiled += run(i);
        }
        float loss = result.get(0);
        float norm = result.get(1);
        if (Float.isFinite(loss) && Float.isFinite(norm)) { // else skip AdamW: weights and moments stay as they are
            for (int i = resultGraph + 1; i < graphs; i++) {
                profiled += run(i);
                updated = true;
            }
            step = next;
        }
        profiledLastStep = profiled;
        bytesMoved += bytesPerStep;
        lastStepBytes = bytesPerStep;
        return new float[] {loss, norm};
    }

    /** Executes graph i (the graphs share the device buffers and run in order); returns the profiled bytes. */
    private long run(int i) {
        lastResult = plan.withGraph(i).execute();
        if (i == graphs - 1) {
            lastFullResult = lastResult;
        }
        return profile ? lastResult.getProfilerResult().getTotalBytesTransferred() : 0;
    }

    /**
     * Copies the weights into the model's parameter tensors and m, v and the step count into the optimizer's
     * state (a transfer of 12 bytes per parameter, counted). Modifies: the model's parameters, the optimizer state.
     */
    public void copyToHost() {
        if (!updated) {
            return; // no update ran: the host already holds the state
        }
        lastFullResult.transferToHost(params, moment1, moment2);
        bytesMoved += 12L * layout.total();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, Variable> e : layout.parameters().entrySet()) {
            Tensor w = e.getValue().value();
            int off = layout.offset(e.getKey());
            MemorySegment.copy(params.getSegment(), ValueLayout.JAVA_FLOAT, 4L * off, w.data(), w.offset(), w.numel());
            if (step > 0) {
                state.put(e.getKey() + ".step", Tensor.scalar(DType.F64, step));
                state.put(e.getKey() + ".m", slice(moment1, off, w.shape()));
                state.put(e.getKey() + ".v", slice(moment2, off, w.shape()));
            }
        }
        if (step > 0) {
            optimizer.loadStateDict(state);
        }
    }

    private static Tensor slice(FloatArray flat, int off, int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        MemorySegment.copy(flat.getSegment(), ValueLayout.JAVA_FLOAT, 4L * off, v, 0, n);
        return Tensor.wrap(v, shape);
    }

    /** Bytes every step moves: ids, targets and step scalars up, loss and norm down. */
    public long bytesPerStep() {
        return bytesPerStep;
    }

    /**
     * Bytes TornadoVM's profiler counted for the last execution (copies in plus copies out), or −1 when the
     * profiler is off ({@code -Dmofa4j.gpu.profile=true} turns it on).
     */
    public long profiledBytesLastStep() {
        if (!profile || lastResult == null) {
            return -1;
        }
        return profiledLastStep;
    }

    /** Kernel launches per step (tasks in the graph). */
    public int taskCount() {
        return tasks;
    }

    /** Task graphs per step (TornadoVM caps a graph's size; they share the device buffers). */
    public int graphCount() {
        return graphs;
    }

    /** Arrays transferred per step (uploaded or downloaded). */
    public int arraysPerStep() {
        return stepArrays;
    }

    /** Bytes moved by the last step (0 before the first). */
    public long bytesLastStep() {
        return lastStepBytes;
    }

    /** All bytes moved so far: the first upload (once a step ran), every step, every copy back. */
    public long bytesMoved() {
        return lastResult == null ? 0 : bytesMoved;
    }

    /** Completed AdamW steps (as the optimizer's step count). */
    public long completedSteps() {
        return step;
    }

    /** Token positions per step, B·T. */
    public int rows() {
        return rows;
    }

    /** Parameters on the device. */
    public int parameterCount() {
        return layout.total();
    }

    public Gpt model() {
        return model;
    }

    @Override
    public void close() {
        Plans.close(plan);
    }
}

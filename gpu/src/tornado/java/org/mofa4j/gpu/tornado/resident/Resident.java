package org.mofa4j.gpu.tornado.resident;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TaskPackage;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * Builder of the resident task graphs of one execution plan. Arrays registered with {@link #upload} go to the
 * device at the first execution only and stay there; {@link #perStep} arrays go up at every execution,
 * {@link #result} arrays come down at every execution, {@link #onDemand} ones only when asked. Counts the bytes each
 * kind moves.
 *
 * <p>Tasks are recorded in order and cut into graphs of at most {@link #TASKS_PER_GRAPH} tasks, because TornadoVM
 * 5.2 holds a graph in a fixed table of 1024 nodes ("Tornado Graph resize not implemented yet" beyond it). The
 * first graph whose tasks use a shared array declares its transfer; TornadoVM passes consumed buffers only from the
 * graph executed just before, so each later graph takes every shared array seen so far from its predecessor
 * ({@code consumeFromDevice}) and keeps them all for its successor ({@code persistOnDevice}). All graphs work on
 * the same device memory and nothing moves between them. The graphs run one after the other
 * ({@code withGraph(i).execute()}) on each step.
 */
final class Resident {
    /** Tasks per graph: well inside TornadoVM's node table for the kernels here (≤ 10 arguments each). */
    static final int TASKS_PER_GRAPH = Integer.getInteger("mofa4j.gpu.tasksPerGraph", 32);

    /** One graph's tasks and the arrays only its tasks use (GEMM shapes, uploaded with its first execution). */
    private static final class Segment {
        final String name;
        final List<TaskPackage> tasks = new ArrayList<>();
        final List<Object> locals = new ArrayList<>();

        Segment(String name) {
            this.name = name;
        }
    }

    private final String baseName;
    private final GridScheduler scheduler = new GridScheduler();
    private final List<Object> firstUploads = new ArrayList<>();
    private final List<Object> stepUploads = new ArrayList<>();
    private final List<Object> stepDownloads = new ArrayList<>();
    private final List<Object> onDemand = new ArrayList<>();
    private final List<Segment> segments = new ArrayList<>();
    private int taskCount;
    private int resultGraph = -1;
    private boolean cut;
    private long firstBytes;
    private long stepUpBytes;
    private long stepDownBytes;

    Resident(String baseName) {
        this.baseName = baseName;
    }

    GridScheduler scheduler() {
        return scheduler;
    }

    /** A zeroed device array of n floats, uploaded with the first execution. */
    FloatArray floats(int n) {
        FloatArray a = new FloatArray(n);
        upload(a);
        return a;
    }

    /** Arrays that go to the device with the first execution and stay resident, shared by all graphs. */
    void upload(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            firstUploads.add(a);
            firstBytes += bytes(a);
        }
    }

    /** Arrays uploaded at every execution (the batch, the step scalars). */
    void perStep(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            stepUploads.add(a);
            stepUpBytes += bytes(a);
        }
    }

    /** Arrays downloaded at every execution (the loss and the norm), written by the last graph's tasks. */
    void result(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            stepDownloads.add(a);
            stepDownBytes += bytes(a);
        }
    }

    /** Resident arrays the host may copy back on demand (checkpoints). */
    void onDemand(TornadoNativeArray... arrays) {
        onDemand.addAll(List.of(arrays));
    }

    /**
     * Records a task; {@code locals} are arrays only this task uses, uploaded with the first execution.
     *
     * @return the name of the graph the task goes into (for its worker grid, {@code name.taskId})
     */
    String task(TaskPackage add, TornadoNativeArray... locals) {
        if (segments.isEmpty() || segments.getLast().tasks.size() == TASKS_PER_GRAPH || cut) {
            cut = false;
            segments.add(new Segment(baseName + "_" + segments.size()));
        }
        Segment s = segments.getLast();
        s.tasks.add(add);
        for (TornadoNativeArray a : locals) {
            s.locals.add(a);
            firstBytes += bytes(a);
        }
        taskCount++;
        return s.name;
    }

    /**
     * Largest work-group of a {@code @Parallel} task. TornadoVM's own choice on NVIDIA's OpenCL is the largest
     * divisor of the loop count up to 1024, which made the attention kernel fail with CL_OUT_OF_RESOURCES on an
     * H100 (1024 work-items × its registers exceed an SM's register file); 128 fits every kernel here.
     */
    static final int PARALLEL_LOCAL = 128;

    /**
     * Adds a {@code @Parallel} task whose loop runs {@code items} iterations, with an explicit grid of exactly
     * {@code items} work-items (TornadoVM then takes the loop bound from the grid, so it must not be padded) in
     * groups of 128, 64 or 32, the largest that divides {@code items}; when none does, the OpenCL driver picks the
     * group size, which it bounds by the kernel's own register use.
     */
    String parallel(TaskPackage add, long items, TornadoNativeArray... locals) {
        String graph = task(add, locals);
        WorkerGrid1D grid = new WorkerGrid1D((int) items);
        int local = PARALLEL_LOCAL;
        while (local >= 32 && items % local != 0) {
            local /= 2;
        }
        if (local >= 32) {
            grid.setLocalWork(local, 1, 1);
        } else {
            grid.setLocalWorkToNull();
        }
        scheduler.addWorkerGrid(graph + "." + add.getId(), grid);
        return graph;
    }

    /**
     * Ends the current graph after its last task: it downloads the {@link #result} arrays (so the host can read
     * them before the graphs after it run), and the next task starts a new graph.
     */
    void endGraphWithResult() {
        resultGraph = segments.size() - 1;
        cut = true;
    }

    /** The graph that downloads the results ({@link #endGraphWithResult}). */
    int resultGraph() {
        return resultGraph;
    }

    /** The graphs, in execution order. */
    ImmutableTaskGraph[] build() {
        int n = segments.size();
        if (resultGraph < 0 || resultGraph + 1 >= n) {
            throw new IllegalStateException("Resident: the results must come down before the last graph");
        }
        List<List<Object>> uses = new ArrayList<>();
        for (Segment s : segments) {
            uses.add(sharedUsedBy(s));
        }
        // TornadoVM hands a graph's consumed buffers over from the graph executed just before it, so every graph
        // takes all shared arrays seen so far from its predecessor and passes them all on (persistOnDevice);
        // an array is uploaded by the first graph whose tasks use it
        List<Object> seen = new ArrayList<>();
        Set<Object> seenSet = Collections.newSetFromMap(new IdentityHashMap<>());
        ImmutableTaskGraph[] graphs = new ImmutableTaskGraph[n];
        for (int i = 0; i < n; i++) {
            Segment s = segments.get(i);
            TaskGraph g = new TaskGraph(s.name);
            if (!seen.isEmpty()) {
                g.consumeFromDevice(segments.get(i - 1).name, seen.toArray());
            }
            List<Object> first = new ArrayList<>();
            List<Object> every = new ArrayList<>();
            for (Object a : uses.get(i)) {
                if (seenSet.add(a)) {
                    seen.add(a);
                    (isStepUpload(a) ? every : first).add(a);
                }
            }
            if (!first.isEmpty()) {
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, first.toArray());
            }
            if (!every.isEmpty()) {
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, every.toArray());
            }
            if (!s.locals.isEmpty()) {
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, s.locals.toArray());
            }
            for (TaskPackage t : s.tasks) {
                g.addTask(t);
            }
            if (i == resultGraph) {
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, stepDownloads.toArray());
            }
            if (i + 1 < n) {
                g.persistOnDevice(seen.toArray());
            } else {
                g.transferToHost(DataTransferMode.UNDER_DEMAND, onDemand.toArray());
            }
            graphs[i] = g.snapshot();
        }
        List<Object> all = sharedArrays();
        for (int k = 0; k < all.size(); k++) {
            if (!seenSet.contains(all.get(k))) {
                throw new IllegalStateException("Resident: registered array " + k + " of " + all.size() + " ("
                        + bytes((TornadoNativeArray) all.get(k)) + " bytes) is used by no task");
            }
        }
        return graphs;
    }

    /** The shared arrays that segment {@code s}'s tasks take as arguments, in registration order. */
    private List<Object> sharedUsedBy(Segment s) {
        Set<Object> args = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskPackage t : s.tasks) {
            args.addAll(Arrays.asList(t.getTaskParameters()));
        }
        List<Object> used = new ArrayList<>();
        for (Object a : sharedArrays()) {
            if (args.contains(a)) {
                used.add(a);
            }
        }
        return used;
    }

    private boolean isStepUpload(Object a) {
        for (Object u : stepUploads) {
            if (u == a) {
                return true;
            }
        }
        return false;
    }

    private List<Object> sharedArrays() {
        List<Object> all = new ArrayList<>(firstUploads);
        all.addAll(stepUploads);
        return all;
    }

    /** Tasks recorded so far. */
    int taskCount() {
        return taskCount;
    }

    /** Task graphs (one per {@link #TASKS_PER_GRAPH} tasks). */
    int graphCount() {
        return segments.size();
    }

    /** Arrays moved at every execution, either way. */
    int arraysPerExecution() {
        return stepUploads.size() + stepDownloads.size();
    }

    /** Bytes of the first execution's uploads. */
    long firstExecutionBytes() {
        return firstBytes;
    }

    /** Bytes every execution moves: per-step uploads plus results. */
    long bytesPerExecution() {
        return stepUpBytes + stepDownBytes;
    }

    static long bytes(TornadoNativeArray a) {
        return switch (a) {
            case FloatArray f -> 4L * f.getSize();
            case IntArray i -> 4L * i.getSize();
            default -> throw new IllegalArgumentException("Resident: only FloatArray and IntArray are used, got "
                    + a.getClass().getSimpleName());
        };
    }
}

package org.mofa4j.gpu.tornado.resident;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * Builder of one resident task graph: arrays registered with {@link #upload} go to the device at the first
 * execution only and stay there; arrays registered with {@link #perStep} go up at every execution, {@link #result}
 * arrays come down at every execution, {@link #onDemand} ones only when asked. Tasks are recorded in order and
 * emitted after all transfers are declared ({@link #build}). Counts the bytes each kind moves.
 */
final class Resident {
    private final String graphName;
    private final TaskGraph graph;
    private final GridScheduler scheduler = new GridScheduler();
    private final List<Object> firstUploads = new ArrayList<>();
    private final List<Object> stepUploads = new ArrayList<>();
    private final List<Object> stepDownloads = new ArrayList<>();
    private final List<Object> onDemand = new ArrayList<>();
    private final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
    private long firstBytes;
    private long stepUpBytes;
    private long stepDownBytes;

    Resident(String graphName) {
        this.graphName = graphName;
        this.graph = new TaskGraph(graphName);
    }

    String graphName() {
        return graphName;
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

    /** Arrays that go to the device with the first execution and stay resident. */
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

    /** Arrays downloaded at every execution (the loss and the norm). */
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

    /** Records a task; it is added to the graph by {@link #build}, after the transfers. */
    void task(Consumer<TaskGraph> add) {
        tasks.add(add);
    }

    /** Declares the transfers, adds the tasks in recording order and returns the graph. */
    TaskGraph build() {
        graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, firstUploads.toArray());
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, stepUploads.toArray());
        for (Consumer<TaskGraph> t : tasks) {
            t.accept(graph);
        }
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, stepDownloads.toArray());
        graph.transferToHost(DataTransferMode.UNDER_DEMAND, onDemand.toArray());
        return graph;
    }

    /** Tasks recorded so far. */
    int taskCount() {
        return tasks.size();
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

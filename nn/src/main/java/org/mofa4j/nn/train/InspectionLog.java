package org.mofa4j.nn.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mofa4j.nn.json.Json;
import org.mofa4j.optim.DiagnosticsRecorder;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * Writes an optimizer's diagnostics ({@link DiagnosticsRecorder}) as JSON lines, by default {@value #FILE_NAME} in
 * the run directory, for {@code mofa4j inspect}. Lines, in order:
 * <pre>
 *   {"kind":"run","optimizer":"MoFaSGD+AdamW","every":10,"first_step":0}     once per (re)start
 *   {"kind":"mofasgd","param":...,"step":...,...}                            the recorder's records
 *   {"kind":"cost","steps":...,"train_ms":...,"inspection_ms":...,"records":...,"shadow_bytes":...}   at the end
 * </pre>
 * train_ms is the sum of the trainer's step times (inspection included), inspection_ms the part spent in the
 * recorder. Appends, so a resumed run continues the file; after a resume the shadow momenta restart from the
 * factors' momentum (a new "run" line marks it).
 */
public final class InspectionLog implements TrainingListener, AutoCloseable {
    /** The file name the inspect command looks for in a run directory. */
    public static final String FILE_NAME = "inspect.jsonl";

    private final BufferedWriter out;
    private final DiagnosticsRecorder recorder;
    private final String optimizerName;
    private double trainMillis;
    private long steps;

    /**
     * Opens {@code file} and attaches a recorder measuring every {@code every} steps to {@code optimizer}.
     * Modifies: optimizer (its inspection hook).
     */
    public InspectionLog(Path file, StatefulOptimizer optimizer, int every) {
        this.recorder = new DiagnosticsRecorder(every, this::write);
        this.optimizerName = optimizer.name();
        optimizer.setInspection(recorder); // first: an optimizer that refuses (fused MoFaSGD) leaves no file behind
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            optimizer.setInspection(null);
            throw new UncheckedIOException("inspect: cannot open " + file.toAbsolutePath(), e);
        }
    }

    public DiagnosticsRecorder recorder() {
        return recorder;
    }

    /** Sum of the trainer's step times seen so far, inspection included. */
    public double trainMillis() {
        return trainMillis;
    }

    @Override
    public void onStart(long firstStep, long totalSteps) {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("kind", "run");
        rec.put("optimizer", optimizerName);
        rec.put("every", recorder.every());
        rec.put("first_step", firstStep);
        rec.put("total_steps", totalSteps);
        write(rec);
    }

    @Override
    public void onStep(StepStats stats) {
        trainMillis += stats.millis();
        steps++;
    }

    @Override
    public void onEnd(long completedSteps) {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("kind", "cost");
        rec.put("steps", steps);
        rec.put("train_ms", trainMillis);
        rec.put("inspection_ms", recorder.nanosSpent() / 1e6);
        rec.put("records", recorder.recordCount());
        rec.put("shadow_bytes", recorder.shadowBytes());
        write(rec);
    }

    private void write(Map<String, Object> rec) {
        try {
            out.write(Json.write(rec, Json.Escape.ASCII));
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: write failed", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: close failed", e);
        }
    }
}

package org.mofa4j.examples.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.json.Json;

/**
 * What one fine-tuning run (one method, rank and learning rate) measured; stored as {@code runs/<id>.json}.
 *
 * @param family          method name ({@link CompareMethod#FAMILIES})
 * @param rank            rank, 0 for methods without one
 * @param lr              learning rate of the method
 * @param diverged        the loss or a gradient became NaN or infinite; the losses are then NaN
 * @param baseValLoss     validation loss of the base model before fine-tuning
 * @param finalValLoss    validation loss after the last step
 * @param bestValLoss     lowest validation loss over the evaluations
 * @param evalSteps       steps of the evaluations
 * @param evalLosses      validation loss at each of them
 * @param stateBytes      exact optimizer state bytes ({@code StatefulOptimizer.stateBytes()}) after training
 * @param peakHeapBytes   peak live heap ({@link org.mofa4j.examples.bench.PeakHeapProbe}) over the probed steps
 * @param trainableParams parameters the optimizer updates (LoRA: the adapters)
 * @param wallSeconds     wall time of training and evaluations, probes excluded
 * @param tokensPerSecond training tokens per second of the optimizer steps, probes excluded
 */
public record RunResult(String family, int rank, double lr, boolean diverged, double baseValLoss, double finalValLoss,
        double bestValLoss, List<Long> evalSteps, List<Double> evalLosses, long stateBytes, long peakHeapBytes,
        long trainableParams, double wallSeconds, double tokensPerSecond) {

    public CompareMethod method() {
        return CompareMethod.of(family, rank);
    }

    Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", family);
        m.put("rank", rank);
        m.put("label", method().label());
        m.put("lr", lr);
        m.put("diverged", diverged);
        m.put("base_val_loss", finite(baseValLoss));
        m.put("final_val_loss", finite(finalValLoss));
        m.put("best_val_loss", finite(bestValLoss));
        m.put("eval_steps", evalSteps);
        m.put("eval_losses", evalLosses.stream().map(RunResult::finite).toList());
        m.put("state_bytes", stateBytes);
        m.put("peak_heap_bytes", peakHeapBytes);
        m.put("trainable_params", trainableParams);
        m.put("wall_seconds", wallSeconds);
        m.put("tokens_per_second", tokensPerSecond);
        return m;
    }

    /** JSON has no NaN: non-finite values are written as null. */
    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    static RunResult fromJson(String json, String where) {
        Map<String, Object> m = Json.asObject(Json.parse(json), where);
        List<Long> steps = new ArrayList<>();
        for (Object o : Json.getArray(m, "eval_steps", where)) {
            steps.add(((Number) o).longValue());
        }
        List<Double> losses = new ArrayList<>();
        for (Object o : Json.getArray(m, "eval_losses", where)) {
            losses.add(o == null ? Double.NaN : ((Number) o).doubleValue());
        }
        return new RunResult(Json.getString(m, "method", where), num(m, "rank", where).intValue(),
                num(m, "lr", where).doubleValue(), (Boolean) Json.member(m, "diverged", where),
                dbl(m, "base_val_loss", where), dbl(m, "final_val_loss", where), dbl(m, "best_val_loss", where),
                steps, losses, num(m, "state_bytes", where).longValue(), num(m, "peak_heap_bytes", where).longValue(),
                num(m, "trainable_params", where).longValue(), num(m, "wall_seconds", where).doubleValue(),
                num(m, "tokens_per_second", where).doubleValue());
    }

    private static Number num(Map<String, Object> m, String key, String where) {
        Object o = Json.member(m, key, where);
        if (!(o instanceof Number n)) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a number, got " + Json.describe(o));
        }
        return n;
    }

    private static double dbl(Map<String, Object> m, String key, String where) {
        Object o = m.get(key);
        return o == null ? Double.NaN : num(m, key, where).doubleValue();
    }

    /** Writes {@code file} atomically (a temporary file, then a rename), so a killed run leaves no half result. */
    void write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Json.write(toJsonMap(), Json.Escape.ASCII) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot write " + file, e);
        }
    }

    static RunResult read(Path file) {
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot read " + file, e);
        }
    }
}

package org.mofa4j.examples.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.json.Json;

/**
 * Everything that decides a comparison's numbers (timings aside): the texts, the model, the pre-training and
 * fine-tuning budgets, the methods, ranks and seed. Stored as {@code settings.json} in the output directory, so
 * that a resumed invocation only reuses results made under the same settings, and so that each child JVM reads
 * the same settings as its parent.
 *
 * @param pretrainText  UTF-8 file, or null for the built-in corpus; its first 90% pre-trains the base model
 * @param finetuneText  UTF-8 file to fine-tune on, or null for the remaining 10% of the pre-training text; split
 *                      90% / 10% into fine-tuning train and validation streams
 * @param base          an existing base checkpoint (file or run directory) instead of pre-training, or null
 * @param layers        model depth (ignored with {@code base})
 * @param heads         attention heads (ignored with {@code base})
 * @param width         model width (ignored with {@code base})
 * @param context       context length, also the training window
 * @param pretrainSteps AdamW steps of pre-training (lr 1e-3, warm-up 100 steps, cosine to 1e-4, clip 1)
 * @param steps         fine-tuning steps per run: every run sees the same batches, {@code steps·batch·context}
 *                      tokens
 * @param batch         sequences per step, pre-training and fine-tuning
 * @param evalEvery     fine-tuning steps between validation evaluations (and at the end)
 * @param evalBatches   validation batches per evaluation (always the same batches)
 * @param methods       method names of {@link CompareMethod#all}, in table order
 * @param ranks         ranks of the low-rank methods
 * @param seed          model initialisation, batches, LoRA initialisation
 */
public record CompareSettings(Path pretrainText, Path finetuneText, Path base, int layers, int heads, int width,
        int context, int pretrainSteps, int steps, int batch, int evalEvery, int evalBatches, List<String> methods,
        List<Integer> ranks, long seed) {
    /** The file name inside the output directory. */
    public static final String FILE = "settings.json";

    public CompareSettings {
        require(pretrainSteps >= 1, "pre-training steps must be ≥ 1, got " + pretrainSteps);
        require(steps >= 2, "fine-tuning steps must be ≥ 2 (the peak heap is probed after step 1), got " + steps);
        require(batch >= 1, "batch must be ≥ 1, got " + batch);
        require(evalEvery >= 1, "evaluation interval must be ≥ 1, got " + evalEvery);
        require(evalBatches >= 1, "evaluation batches must be ≥ 1, got " + evalBatches);
        for (String m : methods) {
            require(CompareMethod.FAMILIES.contains(m), "unknown method '" + m + "'; choose from "
                    + CompareMethod.FAMILIES);
        }
        require(!ranks.isEmpty(), "no ranks");
        for (int r : ranks) {
            require(r >= 1, "rank must be ≥ 1, got " + r);
        }
        methods = List.copyOf(methods);
        ranks = List.copyOf(ranks);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("compare: " + message);
        }
    }

    /** These settings with another method list (empty: only the base model is prepared). */
    public CompareSettings withMethods(List<String> families) {
        return new CompareSettings(pretrainText, finetuneText, base, layers, heads, width, context, pretrainSteps,
                steps, batch, evalEvery, evalBatches, families, ranks, seed);
    }

    /** Tokens each fine-tuning run trains on. */
    public long tokenBudget() {
        return (long) steps * batch * context;
    }

    Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pretrain_text", pretrainText == null ? null : pretrainText.toAbsolutePath().toString());
        m.put("finetune_text", finetuneText == null ? null : finetuneText.toAbsolutePath().toString());
        m.put("base", base == null ? null : base.toAbsolutePath().toString());
        m.put("layers", layers);
        m.put("heads", heads);
        m.put("width", width);
        m.put("context", context);
        m.put("pretrain_steps", pretrainSteps);
        m.put("steps", steps);
        m.put("batch", batch);
        m.put("eval_every", evalEvery);
        m.put("eval_batches", evalBatches);
        m.put("methods", methods);
        m.put("ranks", ranks);
        m.put("seed", seed);
        return m;
    }

    public String toJson() {
        return Json.write(toJsonMap(), Json.Escape.ASCII);
    }

    static CompareSettings fromJson(String json) {
        Map<String, Object> m = Json.asObject(Json.parse(json), CompareSettings.FILE);
        return new CompareSettings(path(m.get("pretrain_text")), path(m.get("finetune_text")), path(m.get("base")),
                num(m, "layers"), num(m, "heads"), num(m, "width"), num(m, "context"), num(m, "pretrain_steps"),
                num(m, "steps"), num(m, "batch"), num(m, "eval_every"), num(m, "eval_batches"),
                Json.getArray(m, "methods", FILE).stream().map(o -> (String) o).toList(),
                Json.getArray(m, "ranks", FILE).stream().map(o -> ((Number) o).intValue()).toList(),
                ((Number) Json.member(m, "seed", FILE)).longValue());
    }

    private static Path path(Object o) {
        return o == null ? null : Path.of((String) o);
    }

    private static int num(Map<String, Object> m, String key) {
        return ((Number) Json.member(m, key, FILE)).intValue();
    }

    /**
     * True when a run of a given method, rank and learning rate gives the same result under both settings: all
     * fields but the method and rank lists, which only choose which runs to make.
     */
    boolean sameRuns(CompareSettings o) {
        return withMethods(List.of()).withRanks(List.of(1)).equals(o.withMethods(List.of()).withRanks(List.of(1)));
    }

    /** These settings with another rank list. */
    public CompareSettings withRanks(List<Integer> newRanks) {
        return new CompareSettings(pretrainText, finetuneText, base, layers, heads, width, context, pretrainSteps,
                steps, batch, evalEvery, evalBatches, methods, newRanks, seed);
    }

    /**
     * Writes these settings into {@code dir}, or checks that the ones already there make the same runs (see
     * {@link #sameRuns}): results of other settings are never mixed into one table, while other method or rank
     * lists may add runs to a directory or report a part of it. The file keeps the first invocation's lists.
     *
     * @throws IllegalArgumentException if {@code dir} holds different settings
     */
    void writeOrCheck(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                String old = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!fromJson(old).sameRuns(this)) {
                    throw new IllegalArgumentException("compare: " + dir.toAbsolutePath() + " holds results of "
                            + "other settings (" + old + "); pass another --out, or delete it to start over");
                }
                return;
            }
            Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot write " + file, e);
        }
    }

    static CompareSettings read(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot read " + file, e);
        }
    }
}

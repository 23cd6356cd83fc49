package org.mofa4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.data.Tokenizers;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.nn.io.CheckpointFiles;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * A training run on disk: for step N, {@code model-N.safetensors} (the weights under the names documented in
 * {@link Gpt}, plus the model config and tokenizer in the metadata, loadable by Python's safetensors or torch)
 * and {@code training-N.safetensors} (optimizer state, step, dropout generator state). Each file is written
 * atomically with a SHA-256 checksum; the training file is written first, so a step counts as saved only once
 * its model file exists. The newest complete step is the one resumed; older ones beyond {@code keep} are removed.
 */
public final class TrainingCheckpoint {
    public static final String MODEL_PREFIX = "model-";
    public static final String TRAINING_PREFIX = "training-";
    private static final Pattern MODEL_FILE = Pattern.compile("model-(\\d+)\\.safetensors");

    /** What a model file holds. */
    public record Loaded(GptConfig config, Tokenizer tokenizer, Gpt model, long step, Path file) {}

    private TrainingCheckpoint() {}

    /** Writes step {@code trainer.step()} into {@code dir}, keeping the newest {@code keep} checkpoints. */
    public static void save(Path dir, Trainer trainer, Tokenizer tokenizer, int keep) {
        long step = trainer.step();
        Gpt model = trainer.model();
        refuseNonFiniteWeights(model, step);
        try {
            Files.createDirectories(dir);
            Map<String, String> trainingMeta = new LinkedHashMap<>();
            trainingMeta.put("mofa4j.step", Long.toString(step));
            trainingMeta.put("mofa4j.optimizer", trainer.optimizer().name());
            trainingMeta.put("mofa4j.dropout_rng", join(model.dropoutRng().state()));
            trainingMeta.put("mofa4j.train_config", trainer.config().toString());
            CheckpointFiles.writeAtomically(dir.resolve(CheckpointFiles.fileName(TRAINING_PREFIX, step)),
                    trainer.optimizer().stateDict(), trainingMeta);
            CheckpointFiles.writeAtomically(dir.resolve(CheckpointFiles.fileName(MODEL_PREFIX, step)),
                    model.stateDict(), modelMetadata(model.config(), tokenizer, step));
            CheckpointFiles.keepLast(dir, MODEL_PREFIX, keep);
            CheckpointFiles.keepLast(dir, TRAINING_PREFIX, keep);
            // a run killed mid-write leaves its temporary file; this run is the only writer here
            CheckpointFiles.removeStaleTemporaries(dir, MODEL_PREFIX);
            CheckpointFiles.removeStaleTemporaries(dir, TRAINING_PREFIX);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot write step " + step + " to " + dir.toAbsolutePath(), e);
        }
    }

    /**
     * A checkpoint of NaN/Inf weights would replace and prune the good ones, so it is refused before any file is
     * written: the older checkpoints stay the newest on disk.
     */
    private static void refuseNonFiniteWeights(Gpt model, long step) {
        for (Map.Entry<String, org.mofa4j.autograd.Variable> e : model.namedParameters().entrySet()) {
            org.mofa4j.tensor.Tensor w = e.getValue().value();
            int bad = w.firstNonFinite();
            if (bad >= 0) {
                throw new NonFiniteLossException(step, "parameter '" + e.getKey() + "' holds " + w.getFlat(bad)
                        + " at flat index " + bad + ", so the checkpoint of step " + step + " was not written", null);
            }
        }
    }

    /** Metadata of a model file: the config and tokenizer needed to rebuild the model. */
    public static Map<String, String> modelMetadata(GptConfig c, Tokenizer tokenizer, long step) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("mofa4j.model", "gpt");
        meta.put("mofa4j.config", c.layers() + "," + c.heads() + "," + c.width() + "," + c.context() + ","
                + c.vocab() + "," + c.dropout());
        meta.put("mofa4j.tokenizer", tokenizer.toJson());
        meta.put("mofa4j.step", Long.toString(step));
        return meta;
    }

    /** The newest model file in {@code dir} whose training file also exists, or null if none. */
    public static Path latestModelFile(Path dir) {
        return latestModelFile(dir, Long.MAX_VALUE);
    }

    /** The newest complete checkpoint in {@code dir} of a step before {@code beforeStep}, or null if none. */
    public static Path latestModelFile(Path dir, long beforeStep) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        long best = -1;
        Path bestFile = null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = MODEL_FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    long step = Long.parseLong(m.group(1));
                    if (step > best && step < beforeStep && Files.exists(dir.resolve(CheckpointFiles.fileName(TRAINING_PREFIX, step)))) {
                        best = step;
                        bestFile = p;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot list " + dir.toAbsolutePath(), e);
        }
        return bestFile;
    }

    /**
     * Loads a model file (or the newest one in a run directory): rebuilds the GPT from its stored config and copies
     * the weights in. Any problem (missing file, corrupt bytes, a config that does not match the tensors) is a
     * {@link CheckpointException} naming the file.
     */
    public static Loaded loadModel(Path fileOrDir) {
        boolean isDir = Files.isDirectory(fileOrDir);
        Path file = isDir ? latestModelFile(fileOrDir) : fileOrDir;
        if (file == null) {
            throw new CheckpointException(fileOrDir, "no complete checkpoint (model-N.safetensors with its "
                    + "training-N.safetensors) in this directory");
        }
        try {
            return loadModelFile(file);
        } catch (CheckpointException e) {
            throw isDir ? pointToOlder(fileOrDir, stepOf(file), e) : e;
        }
    }

    /**
     * The refusal of a damaged checkpoint, plus where the previous complete one is: nothing is deleted or renamed
     * automatically, so the person resuming decides.
     */
    private static CheckpointException pointToOlder(Path dir, long step, CheckpointException e) {
        Path older = latestModelFile(dir, step);
        String hint = older == null ? "; there is no older complete checkpoint in " + dir
                : "; the previous complete checkpoint is " + older.getFileName() + ": move the step-" + step
                        + " files aside to resume from it";
        return new CheckpointException(e.file(), e.problem() + hint, e);
    }

    private static long stepOf(Path modelFile) {
        Matcher m = MODEL_FILE.matcher(modelFile.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }

    private static Loaded loadModelFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "file not found");
        }
        Safetensors.Contents c;
        try {
            c = CheckpointFiles.readVerified(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage());
        }
        GptConfig config = parseConfig(file, c.metadata().get("mofa4j.config"));
        String tokJson = c.metadata().get("mofa4j.tokenizer");
        if (tokJson == null) {
            throw new CheckpointException(file, "metadata has no mofa4j.tokenizer: not a mofa4j GPT checkpoint");
        }
        Tokenizer tokenizer = Tokenizers.fromJson(tokJson);
        if (tokenizer.vocabSize() != config.vocab()) {
            throw new CheckpointException(file, "tokenizer vocabulary " + tokenizer.vocabSize()
                    + " differs from the model's " + config.vocab());
        }
        Gpt model = new Gpt(config, 0);
        try {
            model.loadStateDict(c.tensors());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "does not match its stored config " + config + ": " + e.getMessage());
        }
        long step = Long.parseLong(c.metadata().getOrDefault("mofa4j.step", "0"));
        return new Loaded(config, tokenizer, model, step, file);
    }

    /**
     * Restores the optimizer state, the dropout generator and the step of step {@code step} into a trainer whose
     * model already holds that step's weights.
     */
    public static void restoreTraining(Path dir, long step, Trainer trainer) {
        try {
            restoreTrainingFile(dir.resolve(CheckpointFiles.fileName(TRAINING_PREFIX, step)), step, trainer);
        } catch (CheckpointException e) {
            throw pointToOlder(dir, step, e);
        }
    }

    private static void restoreTrainingFile(Path file, long step, Trainer trainer) {
        Safetensors.Contents c;
        try {
            c = CheckpointFiles.readVerified(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage());
        }
        String opt = c.metadata().get("mofa4j.optimizer");
        if (opt != null && !opt.equals(trainer.optimizer().name())) {
            throw new CheckpointException(file, "was written by optimizer " + opt + ", this run uses "
                    + trainer.optimizer().name());
        }
        StatefulOptimizer o = trainer.optimizer();
        try {
            o.loadStateDict(c.tensors());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CheckpointException(file, "optimizer state does not fit this model: " + e.getMessage());
        }
        trainer.model().restoreDropoutState(split(file, c.metadata().get("mofa4j.dropout_rng")));
        trainer.resumeAt(step);
    }

    private static GptConfig parseConfig(Path file, String s) {
        if (s == null) {
            throw new CheckpointException(file, "metadata has no mofa4j.config: not a mofa4j GPT checkpoint");
        }
        String[] f = s.split(",");
        try {
            return new GptConfig(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Integer.parseInt(f[4]), Double.parseDouble(f[5]));
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "unreadable model config '" + s + "': " + e.getMessage());
        }
    }

    private static String join(long[] v) {
        StringBuilder sb = new StringBuilder();
        for (long x : v) {
            sb.append(sb.length() == 0 ? "" : ",").append(x);
        }
        return sb.toString();
    }

    private static long[] split(Path file, String s) {
        if (s == null) {
            throw new CheckpointException(file, "metadata has no mofa4j.dropout_rng");
        }
        String[] f = s.split(",");
        long[] out = new long[f.length];
        try {
            for (int i = 0; i < f.length; i++) {
                out[i] = Long.parseLong(f[i]);
            }
        } catch (NumberFormatException e) {
            throw new CheckpointException(file, "unreadable dropout generator state '" + s + "'");
        }
        return out;
    }
}

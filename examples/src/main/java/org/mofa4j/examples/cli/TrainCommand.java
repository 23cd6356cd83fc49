package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mofa4j.autograd.AnomalyMode;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.data.BpeTokenizer;
import org.mofa4j.nn.data.BuiltInCorpus;
import org.mofa4j.nn.data.ByteTokenizer;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.train.DeviceTrainer;
import org.mofa4j.nn.train.DeviceTrainerProvider;
import org.mofa4j.nn.train.DeviceTrainers;
import org.mofa4j.nn.train.InspectionLog;
import org.mofa4j.nn.train.MetricsLog;
import org.mofa4j.nn.train.NonFiniteLossException;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j train}: trains a GPT on a text file, or on the built-in corpus when no file is given.
 * The defaults are nanoGPT's CPU "baby GPT" for character-level Shakespeare (4 layers, 4 heads, width 128,
 * context 64, batch 12, AdamW lr 1e-3 with β₂ 0.99, 100 warm-up steps, cosine to 1e-4, clip 1.0, no dropout).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a small GPT (built-in corpus by default) and print a sample at the end.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", description = "UTF-8 text file to train on (default: the built-in corpus)")
    Path data;

    @Option(names = "--tokenizer", defaultValue = "char", description = "char, byte or bpe (default: ${DEFAULT-VALUE})")
    String tokenizer;

    @Option(names = "--bpe-vocab", defaultValue = "512", description = "BPE vocabulary size (default: ${DEFAULT-VALUE})")
    int bpeVocab;

    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--width", defaultValue = "128") int width;
    @Option(names = "--context", defaultValue = "64") int context;
    @Option(names = "--dropout", defaultValue = "0.0") double dropout;

    @Option(names = "--steps", defaultValue = "1000", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--batch", defaultValue = "12") int batch;
    @Option(names = "--accumulation", defaultValue = "1") int accumulation;

    @Mixin
    OptimizerOptions optimizerOptions;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--min-lr-fraction", defaultValue = "0.1") double minLrFraction;
    @Option(names = "--warmup", defaultValue = "100") int warmup;
    @Option(names = "--clip", defaultValue = "1.0", description = "global-norm clip, 0 = off") double clip;

    @Option(names = "--eval-every", defaultValue = "250") int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "20") int evalBatches;
    @Option(names = "--seed", defaultValue = "1337") long seed;
    @Option(names = "--out", defaultValue = "runs/default", description = "run directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--sample-tokens", defaultValue = "300", description = "tokens to sample at the end")
    int sampleTokens;

    @Option(names = "--checkpoint-every", defaultValue = "250", description = "0 = only at the end")
    int checkpointEvery;

    @Option(names = "--keep", defaultValue = "3", description = "checkpoints to keep (default: ${DEFAULT-VALUE})")
    int keep;

    @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
    boolean resume;

    @Option(names = "--no-plot", description = "do not draw loss.png at the end (metrics.jsonl has the curves)")
    boolean noPlot;

    @Option(names = "--detect-anomaly", description = "check every op's output and every gradient for NaN/Inf and "
            + "stop at the first one, naming the op, its shapes, the layer and the parameter (slower)")
    boolean detectAnomaly;

    @Option(names = "--on-nonfinite", defaultValue = "stop", description = "a NaN/Inf loss or gradient: stop (keep "
            + "the last checkpoint and exit) or skip (drop the step, count it, go on) (default: ${DEFAULT-VALUE})")
    String onNonFinite;

    @Option(names = "--inspect-every", defaultValue = "0", paramLabel = "N",
            description = "> 0: record MoFaSGD / GaLore / AdaLomo diagnostics every N steps into --out/"
                    + InspectionLog.FILE_NAME + " (then: mofa4j inspect --out dir); 0 = off, no cost")
    int inspectEvery;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu or gpu (TornadoVM: needs the -Ptornado build and java @$TORNADOVM_HOME/tornado-argfile;"
                    + " fails naming what is missing, never falls back). With adamw, dropout 0 and accumulation 1 the "
                    + "whole step is resident on the device; otherwise each matmul is offloaded (a line says which). "
                    + "-Dmofa4j.log.device=true logs each offloaded call's device (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        Trainer.NonFinitePolicy policy = switch (onNonFinite) {
            case "stop" -> Trainer.NonFinitePolicy.STOP;
            case "skip" -> Trainer.NonFinitePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-nonfinite must be stop or skip, got '" + onNonFinite
                    + "'");
        };
        if (keep < 1) { // checked now rather than at the first checkpoint, after minutes of training
            throw new IllegalArgumentException("--keep must be ≥ 1 (keep at least the newest checkpoint), got " + keep);
        }
        Startup.announce();
        Backend backend = Backends.open(device);
        Backends.use(backend);
        System.out.println("device: " + backend.device() + " (" + backend.description() + ")");
        String text = data == null ? BuiltInCorpus.text() : TextDataset.readText(data);
        String source = data == null ? "built-in corpus" : data.toString();
        Tokenizer tok = switch (tokenizer) {
            case "char" -> CharTokenizer.fromCorpus(text);
            case "byte" -> ByteTokenizer.INSTANCE;
            case "bpe" -> BpeTokenizer.train(text, bpeVocab);
            default -> throw new IllegalArgumentException("unknown tokenizer '" + tokenizer + "' (char, byte or bpe)");
        };
        TextDataset dataset = TextDataset.fromText(text, tok, source);
        TextDataset.Split split = dataset.split();
        GptConfig modelConfig = new GptConfig(layers, heads, width, context, tok.vocabSize(), dropout);
        TrainConfig trainConfig = new TrainConfig(steps, batch, context, accumulation, Math.min(warmup, steps),
                minLrFraction, optimizerOptions.fused ? 0 : clip, evalEvery, evalBatches,
                checkpointEvery == 0 ? steps : checkpointEvery, seed);
        TrainingCheckpoint.Loaded resumed = resume ? loadForResume(tok, modelConfig) : null;
        Gpt model = resumed != null ? resumed.model() : new Gpt(modelConfig, seed);
        if (optimizerOptions.loraRank > 0 && resume) {
            throw new IllegalArgumentException("--lora-rank with --resume is not supported yet: checkpoints of "
                    + "adapted models hold lora.A/lora.B tensors that a plain model does not load");
        }
        optimizerOptions.applyLora(model, seed);
        StatefulOptimizer opt = optimizerOptions.create(model, lr);
        System.out.printf("data: %s, %,d tokens (%s tokenizer, vocab %d); train %,d, validation %,d%n", source,
                dataset.tokens().size(), tok.kind(), tok.vocabSize(), split.train().size(), split.validation().size());
        if (optimizerOptions.fused && clip > 0) {
            System.out.println("note: --fused consumes gradients inside backward, so global-norm clipping is off");
        }
        System.out.printf("model: %s, %,d parameters; optimizer %s%n", modelConfig, model.parameterCount(), opt.name());

        Trainer trainer = new Trainer(model, opt, split.train(), split.validation(), trainConfig, lr)
                .onCheckpoint(t -> TrainingCheckpoint.save(out, t, tok, keep))
                .onNonFinite(policy);
        if (resumed != null) {
            TrainingCheckpoint.restoreTraining(out, resumed.step(), trainer);
            System.out.printf("resumed from %s at step %d%n", resumed.file(), resumed.step());
        }
        DeviceTrainer resident = backend == Backends.cpu() ? null : openResident(model, opt, trainConfig);
        trainer.onDevice(resident);
        if (detectAnomaly) {
            System.out.println("anomaly detection on: every op's output and gradient is checked for NaN/Inf");
        }
        if (inspectEvery < 0) {
            throw new IllegalArgumentException("--inspect-every must be ≥ 0 (0 = off), got " + inspectEvery);
        }
        try (MetricsLog metrics = new MetricsLog(out.resolve("metrics.jsonl"));
                InspectionLog inspection = inspectEvery > 0
                        ? new InspectionLog(out.resolve(InspectionLog.FILE_NAME), opt, inspectEvery) : null;
                ConsoleProgress progress = new ConsoleProgress();
                StopOnSignal stop = new StopOnSignal(trainer);
                AnomalyMode.Scope _ = AnomalyMode.enabledIf(detectAnomaly)) {
            trainer.addListener(metrics);
            if (inspection != null) {
                trainer.addListener(inspection);
            }
            trainer.addListener(progress);
            try {
                trainer.run();
            } catch (NonFiniteLossException e) {
                throw new IllegalStateException(e.getMessage() + "; newest checkpoint on disk: "
                        + describe(TrainingCheckpoint.latestModelFile(out)), e);
            }
            if (trainer.skippedSteps() > 0) {
                System.out.printf("skipped %d step(s) with a NaN/Inf loss or gradient (see \"skip\" lines in %s)%n",
                        trainer.skippedSteps(), out.resolve("metrics.jsonl"));
            }
            if (trainer.stoppedEarly()) {
                System.out.printf("interrupted: stopped after step %d, checkpoint %s; continue with --resume%n",
                        trainer.step(), describe(TrainingCheckpoint.latestModelFile(out)));
                return StopOnSignal.EXIT_CODE;
            }
            if (!noPlot) {
                LossPlot.write(metrics, out.resolve("loss.png"), source);
                System.out.println("loss curves: " + out.resolve("loss.png"));
            }
            System.out.println("metrics: " + out.resolve("metrics.jsonl"));
            if (inspection != null) {
                System.out.printf("diagnostics: %s (%d records, %.0f ms of %.0f ms training); report: "
                        + "./mofa4j inspect %s%n", out.resolve(InspectionLog.FILE_NAME),
                        inspection.recorder().recordCount(), inspection.recorder().nanosSpent() / 1e6,
                        inspection.trainMillis(), out);
            }
        }
        if (resident != null) {
            System.out.printf("device %s: resident training moved %,d bytes per step between host and device "
                    + "(%,d in all, with the first upload and the copies back for evaluation and checkpoints)%n",
                    backend.device(), resident.bytesLastStep(), resident.bytesMoved());
            resident.close();
        }
        if (backend != Backends.cpu()) {
            System.out.printf("device %s: %,d bytes moved between host and device by per-product offload%n",
                    backend.device(), backend.bytesMoved());
        }
        if (sampleTokens > 0) {
            System.out.println("--- sample ---");
            if (optimizerOptions.loraRank > 0) {
                Lora.merge(model); // the KV-cache decoder reads plain weights
            }
            SampleCommand.sample(model, tok, "", sampleTokens, 0.8, 0, seed, true);
            System.out.println();
        }
        return 0;
    }

    /**
     * The device-resident trainer when the device has one that takes this model and optimizer, else null (then
     * every product is offloaded with its operands copied per call). Prints one line saying which path runs.
     */
    private DeviceTrainer openResident(Gpt model, StatefulOptimizer opt, TrainConfig trainConfig) {
        DeviceTrainerProvider provider = DeviceTrainers.find(device);
        String reason = provider == null ? "no resident trainer for device '" + device + "' on the class path"
                : provider.unsupportedReason(model, opt, trainConfig);
        if (reason != null) {
            System.out.println("device path: per-product offload (each matmul's operands copied per call; the rest "
                    + "on the CPU), not resident: " + reason);
            return null;
        }
        DeviceTrainer resident = provider.open(model, opt, trainConfig);
        System.out.println("device path: resident, " + resident.description());
        return resident;
    }

    private static String describe(Path checkpoint) {
        return checkpoint == null ? "none" : checkpoint.toString();
    }

    private TrainingCheckpoint.Loaded loadForResume(Tokenizer tok, GptConfig wanted) {
        if (TrainingCheckpoint.latestModelFile(out) == null) {
            throw new IllegalArgumentException("--resume: no checkpoint in " + out.toAbsolutePath());
        }
        TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.loadModel(out);
        if (!loaded.config().equals(wanted)) {
            throw new IllegalArgumentException("--resume: the checkpoint's model " + loaded.config()
                    + " differs from the requested " + wanted + "; pass the same model options");
        }
        if (!loaded.tokenizer().toJson().equals(tok.toJson())) {
            throw new IllegalArgumentException("--resume: the checkpoint's tokenizer differs from the one built from "
                    + "this data; pass the same --data and --tokenizer");
        }
        return loaded;
    }
}

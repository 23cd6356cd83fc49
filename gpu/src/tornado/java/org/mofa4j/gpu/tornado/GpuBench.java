package org.mofa4j.gpu.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mofa4j.autograd.Variable;
import org.mofa4j.gpu.tornado.resident.ResidentTrainerProvider;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.BuiltInCorpus;
import org.mofa4j.nn.data.ByteTokenizer;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.train.DeviceTrainer;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.MoFaSgd;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.Tensor;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.Backends;
import org.mofa4j.tensor.kernels.Gemm;

/**
 * Device against CPU in one run: matmul GFLOP/s (1024³, 4096³, GPT-2-small shapes), the MoFaSGD step (resident
 * device step vs {@code optim.MoFaSgd}), and training steps/s of a tiny GPT and a GPT-2-small-width GPT (matmuls
 * on the device), and resident training steps/s ({@code resident.ResidentGpt}: weights, gradients, AdamW state and
 * activations on the device, task graphs built once) of the tiny GPT (L4 d128 h4 T64 B16, vocab 256) and a
 * GPT-2-small-width GPT. Prints a table and one JSON line; {@code --resident} runs only the resident rows. Run
 * with the TornadoVM argfile (README, GPU section):
 * {@code java @$TORNADOVM_HOME/tornado-argfile ... -cp examples/target/mofa4j.jar org.mofa4j.gpu.tornado.GpuBench
 * [--quick]}. Times are the best of the repetitions after one warm-up (the first device run compiles the kernel).
 */
public final class GpuBench {
    private record Row(String what, double cpu, double device, String unit) {}

    /** Longest device matmul run (warm-up + timed) the benchmark starts, in seconds. */
    private static final double DEVICE_LIMIT_S = 150;

    private GpuBench() {}

    public static void main(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        boolean residentOnly = List.of(args).contains("--resident");
        TornadoBackend gpu = TornadoBackend.open();
        System.out.println("device: " + gpu.description());
        Gemm.warmUp();
        List<Row> rows = new ArrayList<>();
        rows.add(residentTraining("resident tiny GPT L4 d128 h4 T64 B16 V256",
                new GptConfig(4, 4, 128, 64, 256, 0.0), 16, quick ? 2 : 4));
        if (!quick) {
            rows.add(residentTraining("resident GPT-2-small width L1 d768 h12 T64 B2 V50257",
                    new GptConfig(1, 12, 768, 64, 50257, 0.0), 2, 2));
        }
        if (residentOnly) {
            print(gpu, rows);
            System.exit(0);
        }
        int[][] shapes = quick ? new int[][] {{1024, 1024, 1024}, {512, 2304, 768}}
                : new int[][] {{1024, 1024, 1024}, {4096, 4096, 4096}, {512, 2304, 768}, {512, 3072, 768},
                        {512, 768, 3072}, {512, 50257, 768}};
        double deviceRate = Double.NaN; // GFLOP/s of the first (1024³) device run, to skip hopeless sizes
        for (int[] s : shapes) {
            Row r = matmul(gpu, s[0], s[1], s[2], deviceRate);
            rows.add(r);
            if (Double.isNaN(deviceRate)) {
                deviceRate = r.device;
            }
        }
        rows.add(mofaSgd(768, 3072, 8, quick ? 2 : 4));
        rows.add(training(gpu, "tiny GPT L2 d64 h2 T32 B8", new int[] {2, 2, 64, 32}, 8, quick ? 2 : 4));
        if (!quick) {
            rows.add(training(gpu, "GPT-2-small width L1 d768 h12 T64 B2", new int[] {1, 12, 768, 64}, 2,
                    2));
        }
        print(gpu, rows);
        System.exit(0);
    }

    private static void print(TornadoBackend gpu, List<Row> rows) {
        System.out.printf(Locale.ROOT, "%-44s %12s %12s %10s%n", "benchmark", "cpu", "device", "dev/cpu");
        StringBuilder json = new StringBuilder("{\"device\":\"" + gpu.description().replace("\"", "'") + "\"");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-44s %12.3f %12.3f %10.3f  %s%n", r.what, r.cpu, r.device,
                    r.device / r.cpu, r.unit);
            json.append(String.format(Locale.ROOT, ",\"%s\":{\"cpu\":%.4f,\"device\":%s,\"unit\":\"%s\"}",
                    r.what.replace("\"", "'"), r.cpu, Double.isNaN(r.device) ? "null"
                            : String.format(Locale.ROOT, "%.4f", r.device), r.unit));
        }
        System.out.println(json.append('}'));
    }

    private static double best(Runnable op, int reps) {
        op.run(); // warm-up (JIT; the device compiles the kernel on its first run)
        double bestNs = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.run();
            bestNs = Math.min(bestNs, System.nanoTime() - t0);
        }
        return bestNs / 1e9;
    }

    /** Runs the device only when it would take under {@link #DEVICE_LIMIT_S} at {@code deviceRate} GFLOP/s. */
    private static Row matmul(TornadoBackend gpu, int m, int n, int k, double deviceRate) {
        Random rnd = new Random(1);
        Tensor a = UniformData.tensor(rnd, m, k);
        Tensor b = UniformData.tensor(rnd, k, n);
        double flops = 2.0 * m * n * k;
        int reps = flops > 1e11 ? 1 : 3;
        double cpu = best(() -> a.matmul(b), reps);
        double predicted = 2 * flops / (deviceRate * 1e9);                 // warm-up + one timed run
        if (predicted > DEVICE_LIMIT_S) {
            System.out.printf(Locale.ROOT, "matmul %dx%d·%dx%d: device run skipped, predicted %.0f s at %.2f GFLOP/s%n",
                    m, k, k, n, predicted, deviceRate);
            return new Row("matmul " + m + "x" + k + "·" + k + "x" + n + " GFLOP/s", flops / cpu / 1e9, Double.NaN,
                    "GFLOP/s (device skipped: too slow here)");
        }
        Backend prev = Backends.use(gpu);
        double dev;
        try {
            dev = best(() -> a.matmul(b), reps);
        } finally {
            Backends.use(prev);
        }
        return new Row("matmul " + m + "x" + k + "·" + k + "x" + n + " GFLOP/s", flops / cpu / 1e9,
                flops / dev / 1e9, "GFLOP/s (device time includes host↔device copies)");
    }

    private static Row mofaSgd(int m, int n, int r, int steps) {
        Random rnd = new Random(2);
        Variable p = Variable.parameter(UniformData.tensor(rnd, m, n), "w");
        MoFaSgd cpu = new MoFaSgd(List.of(p), MoFaSgd.Config.paper(0.01, r));
        p.setGrad(UniformData.tensor(rnd, m, n));
        cpu.step();
        MoFaSgd.Factors f = cpu.factors(p);
        Tensor[] grads = new Tensor[steps + 1];
        for (int i = 0; i <= steps; i++) {
            grads[i] = UniformData.tensor(rnd, m, n);
        }
        try (DeviceMoFaSgd dev = new DeviceMoFaSgd(p.value().toFloatArray(), m, n, f.u().toFloatArray(),
                f.s().toFloatArray(), f.v().toFloatArray(), r, 0.01, 0.9, 1.0, 1e-8, TornadoRuntime.defaultDevice())) {
            int[] i = {0};
            double cpuS = best(() -> {
                p.setGrad(grads[i[0]++ % grads.length]);
                cpu.step();
            }, steps);
            float[][] g = new float[grads.length][];
            for (int j = 0; j < g.length; j++) {
                g[j] = grads[j].toFloatArray();
            }
            int[] j = {0};
            double devS = best(() -> dev.step(g[j[0]++ % g.length], 1.0), steps);
            System.out.printf(Locale.ROOT, "MoFaSGD %dx%d r%d device step: host QR+SVD %.1f ms, device graphs %.1f ms "
                    + "(averages incl. first-run compile), %,d bytes moved/step after the first%n", m, n, r,
                    dev.hostNanos() / 1e6 / (steps + 1), dev.deviceNanos() / 1e6 / (steps + 1),
                    (dev.bytesMoved() - 4L * m * n) / (steps + 1));
            return new Row("MoFaSGD step " + m + "x" + n + " r" + r + " ms", cpuS * 1e3, devS * 1e3, "ms per step");
        }
    }

    /** @param shape layers, heads, width, context */
    private static Row training(TornadoBackend gpu, String what, int[] shape, int batch, int steps) {
        CharTokenizer tok = CharTokenizer.fromCorpus(BuiltInCorpus.text());
        TextDataset.Split split = TextDataset.fromText(BuiltInCorpus.text(), tok, "built-in").split();
        GptConfig config = new GptConfig(shape[0], shape[1], shape[2], shape[3], tok.vocabSize(), 0.0);
        double cpu = stepsPerSecond(Backends.cpu(), config, split, batch, steps);
        double dev = stepsPerSecond(gpu, config, split, batch, steps);   // after the CPU run, same process
        return new Row(what + " steps/s", cpu, dev, "training steps/s (matmuls on the device)");
    }

    /**
     * Steps/s of AdamW training on the CPU path and resident on the device, same model, same batches (byte tokens
     * of the built-in corpus; ids stay below 256 whatever the vocabulary). One warm-up step each first (on the
     * device it compiles every kernel).
     */
    private static Row residentTraining(String what, GptConfig config, int batch, int steps) {
        TextDataset.Split split = TextDataset.fromText(BuiltInCorpus.text(), ByteTokenizer.INSTANCE, "built-in")
                .split();
        TrainConfig tc = new TrainConfig(steps + 1, batch, config.context(), 1, 0, 1.0, 1.0, 0, 1, 0, 1);
        double[] rates = new double[2];
        for (int onDevice = 0; onDevice < 2; onDevice++) {
            Gpt model = new Gpt(config, 1);
            StatefulOptimizer opt = Optimizers.create(Optimizers.Spec.of("adamw", 1e-3), model.trainableParameters());
            double[] best = {Double.MAX_VALUE};
            Trainer t = new Trainer(model, opt, split.train(), split.validation(), tc, 1e-3)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onStep(StepStats s) {
                            if (s.step() > 1) {        // step 1 is the warm-up
                                best[0] = Math.min(best[0], s.millis());
                            }
                        }
                    });
            DeviceTrainer dev = onDevice == 1 ? new ResidentTrainerProvider().open(model, opt, tc) : null;
            t.onDevice(dev);
            try {
                t.run();
            } finally {
                if (dev != null) {
                    System.out.printf(Locale.ROOT, "%s: %s%n", what, dev.description());
                    dev.close();
                }
            }
            rates[onDevice] = 1000 / best[0];
        }
        return new Row(what + " steps/s", rates[0], rates[1], "training steps/s (device: resident, best step)");
    }

    private static double stepsPerSecond(Backend backend, GptConfig config, TextDataset.Split split, int batch,
            int steps) {
        Backend prev = Backends.use(backend);
        try {
            TrainConfig warm = new TrainConfig(1, batch, config.context(), 1, 0, 1.0, 1.0, 0, 1, 0, 1);
            Gpt model = new Gpt(config, 1);
            new Trainer(model, Optimizers.create(Optimizers.Spec.of("adamw", 1e-3), model.trainableParameters()),
                    split.train(), split.validation(), warm, 1e-3).run();
            TrainConfig tc = new TrainConfig(steps, batch, config.context(), 1, 0, 1.0, 1.0, 0, 1, 0, 1);
            Trainer t = new Trainer(model, Optimizers.create(Optimizers.Spec.of("adamw", 1e-3),
                    model.trainableParameters()), split.train(), split.validation(), tc, 1e-3);
            long t0 = System.nanoTime();
            t.run();
            return steps / ((System.nanoTime() - t0) / 1e9);
        } finally {
            Backends.use(prev);
        }
    }
}

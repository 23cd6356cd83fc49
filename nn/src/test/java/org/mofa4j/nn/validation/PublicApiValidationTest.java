package org.mofa4j.nn.validation;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.mofa4j.autograd.DropoutFns;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.EmbeddingFns;
import org.mofa4j.autograd.GradCheck;
import org.mofa4j.autograd.IndexFns;
import org.mofa4j.autograd.LossFns;
import org.mofa4j.autograd.NormFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.ShapeFns;
import org.mofa4j.autograd.SoftmaxFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.LoraConfig;
import org.mofa4j.nn.data.BatchSampler;
import org.mofa4j.nn.data.BpeTokenizer;
import org.mofa4j.nn.data.ByteTokenizer;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizers;
import org.mofa4j.nn.io.CheckpointFiles;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.nn.sample.GptDecoder;
import org.mofa4j.nn.sample.Sampler;
import org.mofa4j.nn.train.GradClipping;
import org.mofa4j.nn.train.LrSchedule;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.optim.AdaLomo;
import org.mofa4j.optim.Adafactor;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.GaLore;
import org.mofa4j.optim.Lomo;
import org.mofa4j.optim.MoFaSgd;
import org.mofa4j.optim.Muon;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.Sgd;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Walks the public API with bad values: every public entry point (tensor factories and ops, autograd ops,
 * optimizer configs and the factory, the GPT, training configs, tokenizers, data, safetensors, sampling) must refuse
 * each with an exception whose message names the argument, shows the value and states the rule (see
 * {@link BadInputCase}). Prints how many bad inputs were tried and how many got a clear error.
 */
class PublicApiValidationTest {
    private static final AtomicInteger TRIED = new AtomicInteger();
    private static final AtomicInteger CLEAR = new AtomicInteger();
    private static final List<String> UNCLEAR = new ArrayList<>();

    private static final List<BadInputCase> CASES = new ArrayList<>();

    private static void bad(String entryPoint, String argument, String value, BadInputCase.Call call) {
        CASES.add(new BadInputCase(entryPoint, argument, value, call));
    }

    private static Tensor m23() {
        return Tensor.arange(6).reshape(2, 3);
    }

    private static Variable p(int... shape) {
        return Variable.parameter(Tensor.ones(shape), "p");
    }

    static {
        tensorCases();
        autogradCases();
        optimizerCases();
        modelAndTrainingCases();
        dataAndIoCases();
    }

    private static void tensorCases() {
        bad("Tensor.zeros", "shape", "-3", () -> Tensor.zeros(2, -3));
        bad("Tensor.ones", "shape", "-1", () -> Tensor.ones(-1));
        bad("Tensor.full", "shape", "-2", () -> Tensor.full(1.0, -2, 2));
        bad("Tensor.of", "5", "[2, 3]", () -> Tensor.of(new float[5], 2, 3));
        bad("Tensor.wrap", "7", "[2, 3]", () -> Tensor.wrap(new double[7], 2, 3));
        bad("Tensor.arange", "step", "0", () -> Tensor.arange(DType.F32, 0, 10, 0));
        bad("Tensor.arange", "step", "NaN", () -> Tensor.arange(DType.F32, 0, 10, Double.NaN));
        bad("Tensor.eye", "n", "-2", () -> Tensor.eye(-2));
        bad("Tensor.reshape", "[5]", "[2, 3]", () -> m23().reshape(5));
        bad("Tensor.reshape", "-1", "[-1, -1]", () -> m23().reshape(-1, -1));
        bad("Tensor.view", "view", "[3, 2]", () -> m23().t().view(6));
        bad("Tensor.transpose", "axis", "5", () -> m23().transpose(0, 5));
        bad("Tensor.permute", "perm", "[0, 0]", () -> m23().permute(0, 0));
        bad("Tensor.narrow", "length", "5", () -> m23().narrow(0, 1, 5));
        bad("Tensor.narrow", "start", "-1", () -> m23().narrow(1, -1, 1));
        bad("Tensor.slice", "step", "0", () -> m23().slice(0, 0, 2, 0));
        bad("Tensor.select", "index", "9", () -> m23().select(0, 9));
        bad("Tensor.expand", "[3, 4]", "[2, 3]", () -> m23().expand(3, 4));
        bad("Tensor.unsqueeze", "axis", "7", () -> m23().unsqueeze(7));
        bad("Tensor.squeeze", "axis", "3", () -> m23().squeeze(3));
        bad("Tensor.add", "[4]", "[2, 3]", () -> m23().add(Tensor.zeros(4)));
        bad("Tensor.matmul", "[2, 3]", "[4, 5]", () -> m23().matmul(Tensor.zeros(4, 5)));
        bad("Tensor.matmul", "F64", "F32", () -> m23().matmul(Tensor.zeros(DType.F64, 3, 2)));
        bad("Tensor.sum", "axis", "5", () -> m23().sum(5, false));
        bad("Tensor.mean", "axis", "-3", () -> m23().mean(-3, false));
        bad("Tensor.softmax", "axis", "3", () -> m23().softmax(3));
        bad("Tensor.var", "correction", "-1", () -> m23().var(new int[] {1}, false, -1));
        bad("Tensor.get", "index", "[5, 0]", () -> m23().get(5, 0));
        bad("Tensor.get", "indices", "1", () -> m23().get(1));
        bad("Tensor.item", "6 elements", "[2, 3]", () -> m23().item());
        bad("Tensor.clamp", "lo", "2.0", () -> m23().clamp(2, 1));
        bad("Tensor.copyFrom", "[3, 2]", "[2, 3]", () -> m23().copyFrom(Tensor.zeros(3, 2)));
        bad("Tensor.addInPlace", "[2, 3]", "[3]", () -> Tensor.zeros(3).addInPlace(m23()));
        bad("Tensor.concat", "axis", "3", () -> Tensor.concat(3, m23(), m23()));
        bad("Tensor.concat", "[2, 2]", "[2, 3]", () -> Tensor.concat(0, m23(), Tensor.zeros(2, 2)));
        bad("Tensor.stack", "parts", "0", () -> Tensor.stack(0));
        bad("Tensor.split", "sizes", "[1, 1, 1]", () -> m23().split(0, 1, 1, 1));
        bad("Tensor.indexSelect", "index", "7", () -> m23().indexSelect(1, IntTensor.vector(0, 7)));
        bad("Tensor.gather", "index", "-1", () -> m23().gather(1, IntTensor.of(new int[] {0, -1}, 2, 1)));
        bad("IntTensor.wrap", "3", "[2, 2]", () -> IntTensor.wrap(new int[3], 2, 2));
        bad("IntTensor.zeros", "shape", "-4", () -> IntTensor.zeros(-4));
        bad("Rng.uniform", "lo", "3.0", () -> new Rng(1).uniform(3, 1, 4));
        bad("Rng.normal", "std", "-1.0", () -> new Rng(1).normal(0, -1, 4));
        bad("Rng.bernoulli", "p", "1.5", () -> new Rng(1).bernoulli(1.5, 4));
        bad("Rng.dropoutMask", "p", "1.0", () -> new Rng(1).dropoutMask(1.0, 4));
        bad("Rng.nextInt", "bound", "0", () -> new Rng(1).nextInt(0));
        bad("Rng.setState", "state", "1", () -> new Rng(1).setState(new long[] {1}));
    }

    private static void autogradCases() {
        bad("Variable.backward", "[2, 3]", "scalar", () -> ElementwiseFns.mul(p(2, 3), 2.0).backward());
        bad("Variable.setGrad", "[3]", "[2, 3]", () -> p(2, 3).setGrad(Tensor.zeros(3)));
        bad("LossFns.crossEntropy", "[3]", "[4, 5]", () -> LossFns.crossEntropy(p(4, 5), IntTensor.zeros(3)));
        bad("LossFns.crossEntropy", "target", "7", () -> LossFns.crossEntropy(p(2, 5), IntTensor.vector(1, 7)));
        bad("LossFns.crossEntropy", "target", "-2", () -> LossFns.crossEntropy(p(2, 5), IntTensor.vector(-2, 1)));
        bad("DropoutFns.dropout", "p", "1.5", () -> DropoutFns.dropout(p(4), 1.5, true, new Rng(1)));
        bad("EmbeddingFns.embedding", "id", "9", () -> EmbeddingFns.embedding(p(5, 3), IntTensor.vector(1, 9)));
        bad("NormFns.layerNorm", "[4]", "[3]", () -> NormFns.layerNorm(p(2, 3), p(4), p(3), 1e-5));
        bad("NormFns.layerNorm", "eps", "-1", () -> NormFns.layerNorm(p(2, 3), p(3), p(3), -1));
        bad("NormFns.rmsNorm", "[2]", "[3]", () -> NormFns.rmsNorm(p(2, 3), p(2), 1e-5));
        bad("SoftmaxFns.softmax", "axis", "4", () -> SoftmaxFns.softmax(p(2, 3), 4));
        bad("ReduceFns.sum", "axis", "2", () -> ReduceFns.sum(p(2, 3), new int[] {2}, false));
        bad("ShapeFns.reshape", "[4]", "[2, 3]", () -> ShapeFns.reshape(p(2, 3), 4));
        bad("ShapeFns.narrow", "length", "4", () -> ShapeFns.narrow(p(2, 3), 1, 0, 4));
        bad("ShapeFns.expand", "[5, 3]", "[2, 3]", () -> ShapeFns.expand(p(2, 3), 5, 3));
        bad("IndexFns.concat", "[2, 4]", "[2, 3]", () -> IndexFns.concat(0, p(2, 3), p(2, 4)));
        bad("IndexFns.indexSelect", "index", "5", () -> IndexFns.indexSelect(p(2, 3), 0, IntTensor.vector(5)));
        bad("ElementwiseFns.add", "[4]", "[2, 3]", () -> ElementwiseFns.add(p(2, 3), p(4)));
        bad("GradCheck.check", "F32", "F64",
                () -> GradCheck.standard().check("f", v -> v[0], Tensor.zeros(2)));
    }

    private static void optimizerCases() {
        List<Variable> ps = List.of(Variable.parameter(Tensor.ones(4, 4), "w"));
        bad("AdamW.Config", "lr", "-0.1", () -> new AdamW(ps, new AdamW.Config(-0.1, 0.9, 0.999, 1e-8, 0)));
        bad("AdamW.Config", "beta1", "1.0", () -> new AdamW(ps, new AdamW.Config(1e-3, 1.0, 0.999, 1e-8, 0)));
        bad("AdamW.Config", "beta2", "-0.5", () -> new AdamW(ps, new AdamW.Config(1e-3, 0.9, -0.5, 1e-8, 0)));
        bad("AdamW.Config", "eps", "-1.0E-8", () -> new AdamW(ps, new AdamW.Config(1e-3, 0.9, 0.999, -1e-8, 0)));
        bad("AdamW.Config", "weight", "NaN", () -> new AdamW(ps, new AdamW.Config(1e-3, 0.9, 0.999, 1e-8, Double.NaN)));
        bad("Sgd.Config", "momentum", "-0.1", () -> new Sgd(ps, new Sgd.Config(0.1, -0.1, 0, 0, false)));
        bad("Sgd.Config", "lr", "Infinity", () -> new Sgd(ps, new Sgd.Config(Double.POSITIVE_INFINITY, 0, 0, 0, false)));
        bad("Sgd.Config", "Nesterov", "0.5", () -> new Sgd(ps, new Sgd.Config(0.1, 0.9, 0.5, 0, true)));
        bad("Lomo.Config", "lr", "-1.0", () -> new Lomo(ps, new Lomo.Config(-1, 0)));
        bad("AdaLomo.Config", "lr", "-1.0", () -> new AdaLomo(ps, AdaLomo.Config.defaults(-1)));
        bad("Adafactor.Config", "lr", "-1.0", () -> new Adafactor(ps, Adafactor.Config.externalLr(-1)));
        bad("MoFaSgd.Config", "rank", "0", () -> new MoFaSgd(ps, MoFaSgd.Config.paper(0.01, 0)));
        bad("MoFaSgd.Config", "lr", "NaN", () -> new MoFaSgd(ps, MoFaSgd.Config.paper(Double.NaN, 2)));
        bad("GaLore.Config", "rank", "-2", () -> new GaLore(ps, GaLore.Config.defaults(0.01, -2)));
        bad("Muon.Config", "momentum", "1.5", () -> new Muon(ps, new Muon.Config(0.02, 1.5, true, 5, 0)));
        bad("Muon.Config", "nsSteps", "0", () -> new Muon(ps, new Muon.Config(0.02, 0.9, true, 0, 0)));
        bad("Optimizers.Spec", "optimizer", "adamx", () -> new Optimizers.Spec("adamx", 1e-3, 0, 0.99, 4, 1e-3, false));
        bad("Optimizers.Spec", "lr", "-1.0", () -> Optimizers.create(new Optimizers.Spec("adamw", -1, 0, 0.99, 4, 1e-3,
                false), ps));
        bad("Optimizers.Spec", "rank", "0", () -> Optimizers.create(new Optimizers.Spec("mofasgd", 0.01, 0, 0.99, 0,
                1e-3, false), ps));
        bad("Optimizers.Spec", "fused", "adamw", () -> Optimizers.create(new Optimizers.Spec("adamw", 0.01, 0, 0.99, 4,
                1e-3, true), ps));
        bad("Optimizer.setLrScale", "scale", "-1.0", () -> new AdamW(ps, AdamW.Config.defaults(1e-3)).setLrScale(-1));
        bad("Optimizer.setNonFiniteGradPolicy", "policy", "null",
                () -> new AdamW(ps, AdamW.Config.defaults(1e-3)).setNonFiniteGradPolicy(null));
        bad("AdamW", "params", "empty", () -> new AdamW(List.of(), AdamW.Config.defaults(1e-3)));
        bad("Optimizers.create", "params", "empty", () -> Optimizers.create(Optimizers.Spec.of("sgd", 0.1), List.of()));
        Variable w = Variable.parameter(Tensor.ones(2), "w");
        bad("AdamW", "'w'", "twice", () -> new AdamW(List.of(w, w), AdamW.Config.defaults(1e-3)));
        Variable frozen = Variable.constant(Tensor.ones(2)).named("frozen");
        bad("AdamW", "'frozen'", "require", () -> new AdamW(List.of(frozen), AdamW.Config.defaults(1e-3)));
    }

    private static void modelAndTrainingCases() {
        bad("GptConfig", "layers", "0", () -> new GptConfig(0, 2, 16, 8, 10, 0));
        bad("GptConfig", "heads", "3", () -> new GptConfig(1, 3, 16, 8, 10, 0));
        bad("GptConfig", "context", "-8", () -> new GptConfig(1, 2, 16, -8, 10, 0));
        bad("GptConfig", "dropout", "1.0", () -> new GptConfig(1, 2, 16, 8, 10, 1.0));
        bad("GptConfig", "dropout", "NaN", () -> new GptConfig(1, 2, 16, 8, 10, Double.NaN));
        Gpt gpt = new Gpt(new GptConfig(1, 2, 16, 8, 10, 0), 1);
        bad("Gpt.forward", "ids", "[4]", () -> gpt.forward(IntTensor.zeros(4)));
        bad("Gpt.forward", "sequence length 9", "8", () -> gpt.forward(IntTensor.zeros(1, 9)));
        bad("Gpt.forward", "id", "12", () -> gpt.forward(IntTensor.of(new int[] {1, 12}, 1, 2)));
        bad("Gpt.loss", "targets", "[3]", () -> gpt.loss(IntTensor.zeros(1, 2), IntTensor.zeros(1, 3)));
        bad("TrainConfig", "steps", "0", () -> new TrainConfig(0, 1, 1, 1, 0, 0.1, 1, 0, 1, 0, 1));
        bad("TrainConfig", "batch size", "-2", () -> new TrainConfig(5, -2, 1, 1, 0, 0.1, 1, 0, 1, 0, 1));
        bad("TrainConfig", "warm-up", "6", () -> new TrainConfig(5, 1, 1, 1, 6, 0.1, 1, 0, 1, 0, 1));
        bad("TrainConfig", "final lr fraction", "1.5", () -> new TrainConfig(5, 1, 1, 1, 0, 1.5, 1, 0, 1, 0, 1));
        bad("TrainConfig", "clip norm", "NaN", () -> new TrainConfig(5, 1, 1, 1, 0, 0.1, Double.NaN, 0, 1, 0, 1));
        bad("TrainConfig", "checkpoint interval", "-1", () -> new TrainConfig(5, 1, 1, 1, 0, 0.1, 1, 0, 1, -1, 1));
        TokenStream stream = TokenStream.of("s", new int[200]);
        bad("Trainer", "context 16", "8", () -> new Trainer(gpt, new AdamW(gpt.trainableParameters(),
                AdamW.Config.defaults(1e-3)), stream, stream, new TrainConfig(5, 1, 16, 1, 0, 0.1, 1, 0, 1, 0, 1), 1e-3));
        bad("Trainer.onNonFinite", "policy", "null", () -> new Trainer(gpt, new AdamW(gpt.trainableParameters(),
                AdamW.Config.defaults(1e-3)), stream, stream, new TrainConfig(5, 1, 8, 1, 0, 0.1, 1, 0, 1, 0, 1), 1e-3)
                .onNonFinite(null));
        bad("LrSchedule", "warmup", "20", () -> new LrSchedule(20, 10, 0.1));
        bad("GradClipping.clipGlobalNorm", "max norm", "0.0", () -> GradClipping.clipGlobalNorm(List.of(), 0));
        bad("LoraConfig", "rank", "0", () -> LoraConfig.of(0));
        bad("LoraConfig", "dropout", "2.0", () -> new LoraConfig(4, 8, 2.0));
        bad("Sampler.generate", "temperature", "-0.5", () -> new Sampler(gpt).generate(new int[] {1}, 3, -0.5, 0,
                new Rng(1)));
        bad("Sampler.generate", "maxNewTokens", "-3", () -> new Sampler(gpt).generate(new int[] {1}, -3, 0, 0,
                new Rng(1)));
        bad("Sampler.generate", "id", "10", () -> new Sampler(gpt).generate(new int[] {10}, 3, 0, 0, new Rng(1)));
        bad("Sampler.generate", "prompt", "empty", () -> new Sampler(gpt).generate(new int[0], 3, 0, 0, new Rng(1)));
        bad("Sampler.pick", "temperature", "NaN", () -> Sampler.pick(new float[] {1, 2}, Double.NaN, 0, new Rng(1)));
        bad("GptDecoder.next", "token", "11", () -> {
            GptDecoder d = new GptDecoder(gpt);
            d.prefill(new int[] {1});
            d.next(11);
        });
    }

    private static void dataAndIoCases() {
        CharTokenizer chars = CharTokenizer.fromCorpus("abc");
        bad("CharTokenizer.encode", "'z'", "U+007A", () -> chars.encode("abz"));
        bad("CharTokenizer.decode", "id", "5", () -> chars.decode(new int[] {0, 5}));
        bad("CharTokenizer.fromCorpus", "corpus", "empty", () -> CharTokenizer.fromCorpus(""));
        bad("ByteTokenizer.decode", "id", "300", () -> ByteTokenizer.INSTANCE.decode(new int[] {300}));
        bad("BpeTokenizer.train", "vocab", "100", () -> BpeTokenizer.train("some text", 100));
        bad("Tokenizers.fromJson", "kind", "\"klingon\"", () -> Tokenizers.fromJson("{\"kind\":\"klingon\",\"version\":1}"));
        bad("Tokenizers.fromJson", "version", "missing", () -> Tokenizers.fromJson("{\"kind\":\"char\"}"));
        bad("Tokenizers.fromJson", "JSON", "offset 0", () -> Tokenizers.fromJson("not json"));
        bad("TokenStream.slice", "slice", "[10, 500)", () -> TokenStream.of("s", new int[100]).slice(10, 500, "x"));
        bad("TokenStream.get", "index", "100", () -> TokenStream.of("s", new int[100]).get(100));
        bad("TokenStream.requireWindow", "context length", "201",
                () -> TokenStream.of("s", new int[100]).requireWindow(200));
        bad("BatchSampler", "batchSize", "0", () -> new BatchSampler(TokenStream.of("s", new int[100]), 0, 8, 1));
        bad("BatchSampler", "context", "-8", () -> new BatchSampler(TokenStream.of("s", new int[100]), 2, -8, 1));
        bad("BatchSampler.batchAt", "step", "-1",
                () -> new BatchSampler(TokenStream.of("s", new int[100]), 2, 8, 1).batchAt(-1));
        bad("TextDataset.split", "trainFraction", "1.5",
                () -> TextDataset.fromText("abcabc", chars, "t").split(1.5));
        bad("TextDataset.readText", "no-such-file", "no such file", () -> TextDataset.readText(Path.of("no-such-file.txt")));
        bad("Safetensors.read", "no-such.safetensors", "no such file", () -> Safetensors.read(Path.of("no-such.safetensors")));
        bad("Safetensors.write", "__metadata__", "reserved", () -> Safetensors.write(Path.of("target",
                "never.safetensors"), java.util.Map.of("__metadata__", Tensor.zeros(2)), null));
        bad("CheckpointFiles.fileName", "step", "-1", () -> CheckpointFiles.fileName("model-", -1));
        bad("CheckpointFiles.keepLast", "k", "0", () -> CheckpointFiles.keepLast(Path.of("target"), "model-", 0));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputGetsAClearRefusal() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.entryPoint() + "(" + c.argument() + " = " + c.value()
                + ")", () -> {
                    Throwable thrown = null;
                    try {
                        c.call().run();
                    } catch (Throwable t) {
                        thrown = t;
                    }
                    String problem = c.problemWith(thrown);
                    TRIED.incrementAndGet();
                    if (problem == null) {
                        CLEAR.incrementAndGet();
                    } else {
                        synchronized (UNCLEAR) {
                            UNCLEAR.add(c.entryPoint() + ": " + problem);
                        }
                    }
                    assertNull(problem, c.entryPoint());
                }));
    }

    @AfterAll
    static void report() {
        System.out.println("validation walker: " + TRIED.get() + " bad inputs tried, " + CLEAR.get()
                + " refused with a clear error");
        UNCLEAR.forEach(u -> System.out.println("  unclear: " + u));
    }
}

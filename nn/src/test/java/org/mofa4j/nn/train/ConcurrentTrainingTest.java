package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * Two models training at once on two threads of one JVM (sharing the kernel thread pool, GradMode and AnomalyMode
 * per thread) end with exactly the weights and losses each gets when trained alone. The two runs differ in shape,
 * optimizer and dropout, so any state leaking between threads would show.
 */
class ConcurrentTrainingTest {
    private static final String TEXT = "to be, or not to be, that is the question: whether 'tis nobler. ".repeat(30);
    private static final Tokenizer TOK = CharTokenizer.fromCorpus(TEXT);

    /** What one run ends with: per-step losses and the final weights. */
    private record Outcome(List<Double> losses, Map<String, float[]> weights) {}

    private static Outcome train(int which) {
        GptConfig cfg = which == 0 ? new GptConfig(2, 2, 32, 16, TOK.vocabSize(), 0.1)
                : new GptConfig(1, 4, 48, 12, TOK.vocabSize(), 0.0);
        Gpt model = new Gpt(cfg, 10 + which);
        String optimizer = which == 0 ? "adamw" : "mofasgd";
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(optimizer, which == 0 ? 2e-3 : 0.02, 0.1, 0.99,
                4, 1e-3, false), model.trainableParameters());
        TokenStream all = TokenStream.of("hamlet", TOK.encode(TEXT));
        TrainConfig tc = new TrainConfig(8, 3, cfg.context(), 1 + which, 2, 0.1, 1.0, 0, 1, 0, 7 + which);
        Trainer trainer = new Trainer(model, opt, all.slice(0, 1500, "train"), all.slice(1500, all.size(), "val"), tc,
                1e-3);
        List<Double> losses = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses.add(s.loss());
            }
        });
        trainer.run();
        Map<String, float[]> weights = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> weights.put(k, v.toFloatArray()));
        return new Outcome(losses, weights);
    }

    @Test
    void twoModelsTrainingOnTwoThreadsMatchEachTrainedAlone() throws Exception {
        Outcome[] alone = {train(0), train(1)};
        Outcome[] together = new Outcome[2];
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int which = i;
            threads.add(Thread.ofPlatform().name("trainer-" + i).start(() -> {
                try {
                    start.await();
                    together[which] = train(which);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        for (int i = 0; i < 2; i++) {
            assertEquals(alone[i].losses(), together[i].losses(), "losses of model " + i);
            assertEquals(alone[i].weights().keySet(), together[i].weights().keySet());
            for (String name : alone[i].weights().keySet()) {
                assertArrayEquals(alone[i].weights().get(name), together[i].weights().get(name), i + ": " + name);
            }
        }
    }
}

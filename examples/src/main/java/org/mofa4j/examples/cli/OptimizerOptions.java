package org.mofa4j.examples.cli;

import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.LoraConfig;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import picocli.CommandLine.Option;

/**
 * The optimizer and LoRA options shared by {@code train} and {@code finetune} (a picocli mixin). The learning
 * rate, schedule and clipping stay with each command, whose defaults differ (training from scratch vs fine-tuning).
 */
public final class OptimizerOptions {
    @Option(names = "--optimizer", defaultValue = "adamw",
            description = "adamw, sgd, adafactor, adalomo, lomo, mofasgd, mofasgd-all (embeddings and head too), mofasgd-reciprocal, galore or muon "
                    + "(default: ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--rank", defaultValue = "8", description = "rank of MoFaSGD and GaLore (default: ${DEFAULT-VALUE})")
    int rank;
    @Option(names = "--fallback-lr", defaultValue = "1e-3",
            description = "AdamW learning rate for the parameters MoFaSGD, GaLore and Muon do not take") double fallbackLr;
    @Option(names = "--fused", description = "LOMO, AdaLomo, MoFaSGD: update inside backward") boolean fused;
    @Option(names = "--beta2", defaultValue = "0.99") double beta2;
    @Option(names = "--weight-decay", defaultValue = "0.1") double weightDecay;
    @Option(names = "--lora-rank", defaultValue = "0",
            description = "> 0: freeze the model and train LoRA adapters of this rank (α = 2·rank) on every "
                    + "attention and MLP Linear") int loraRank;

    /** Adds LoRA adapters when {@code --lora-rank} is set (printing which), before the optimizer is built. */
    void applyLora(Gpt model, long seed) {
        if (loraRank > 0) {
            Lora.apply(model, LoraConfig.of(loraRank), seed);
            System.out.println(Lora.report(model));
        }
    }

    /** The optimizer over the model's trainable parameters (after {@link #applyLora}). */
    StatefulOptimizer create(Gpt model, double lr) {
        return Optimizers.create(new Optimizers.Spec(optimizer, lr, weightDecay, beta2, rank, fallbackLr, fused),
                model.trainableParameters());
    }
}

package org.mofa4j.nn;

/**
 * Hyperparameters of a LoRA adapter (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", 2021).
 *
 * @param rank    r, the inner dimension of the update B·A; ≥ 1
 * @param alpha   α; the update is scaled by α/r (so changing r at fixed α keeps the initial step size); finite, &gt; 0
 * @param dropout probability in [0, 1) of dropping an element of the adapter's input x (the base path sees x
 *                unchanged), as PyTorch peft's {@code lora_dropout}
 */
public record LoraConfig(int rank, double alpha, double dropout) {
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoraConfig: rank must be ≥ 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoraConfig: alpha must be finite and > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoraConfig: dropout must be in [0, 1), got " + dropout);
        }
    }

    /** rank r, α = 2r (scale 2, a common choice), no dropout. */
    public static LoraConfig of(int rank) {
        return new LoraConfig(rank, 2.0 * rank, 0.0);
    }

    /** α/r, the factor applied to B·A. */
    public double scale() {
        return alpha / rank;
    }
}

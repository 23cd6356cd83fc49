package org.mofa4j.examples.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One fine-tuning method of the comparison and its learning-rate sweep.
 *
 * <ul>
 *   <li>{@code adamw}: full AdamW (β₂ 0.99, weight decay 0.1 on matrices); {@code sgd}: SGD with momentum 0.9;</li>
 *   <li>{@code lora}: the model frozen, LoRA adapters of rank r (α = 2r) on every attention and MLP Linear,
 *       AdamW on the adapters;</li>
 *   <li>{@code galore}, {@code mofasgd}, {@code mofasgd-reciprocal}, {@code muon}: the method on the hidden
 *       matrices, AdamW at lr 1e-3 on the embeddings, LayerNorms and biases. {@code mofasgd} (the paper's U·Vᵀ
 *       step) runs fused in backward; {@code mofasgd-reciprocal} (the reference code's capped U·S⁻¹·Vᵀ step with
 *       its η₂ = 1 term) cannot, since η₂ needs the full gradient, and runs unfused;</li>
 *   <li>{@code adalomo}, {@code lomo}: fused in backward, every parameter;
 *       {@code adafactor}: every parameter, external learning rate.</li>
 * </ul>
 * Fused methods train without global-norm clipping (the gradients are consumed inside backward); the others clip
 * at 1.0. The learning-rate grids are three values a factor of about 3 apart, centred on a fine-tuning value for
 * each method's update scale (set from short trial runs on the default model; the report marks which value won,
 * so a winner at the edge of its grid is visible).
 *
 * @param family    one of {@link #FAMILIES}
 * @param rank      rank of the low-rank methods, 0 for the others
 * @param optimizer the {@link org.mofa4j.optim.Optimizers} name
 * @param lora      freeze the model and train LoRA adapters of {@code rank}
 * @param fused     update inside backward
 * @param lrs       the learning-rate sweep
 */
public record CompareMethod(String family, int rank, String optimizer, boolean lora, boolean fused, List<Double> lrs) {
    /** Method names in table order. */
    public static final List<String> FAMILIES = List.of("adamw", "sgd", "lora", "galore", "mofasgd",
            "mofasgd-reciprocal", "adalomo", "lomo", "muon", "adafactor");

    /** Learning rate of the AdamW that takes what MoFaSGD, GaLore and Muon do not. */
    public static final double FALLBACK_LR = 1e-3;

    /** Whether the family has a rank. */
    public static boolean ranked(String family) {
        return switch (family) {
            case "lora", "galore", "mofasgd", "mofasgd-reciprocal" -> true;
            default -> false;
        };
    }

    /** The methods of {@code families}, each low-rank one at every rank, in table order. */
    public static List<CompareMethod> all(List<String> families, List<Integer> ranks) {
        List<CompareMethod> out = new ArrayList<>();
        for (String f : FAMILIES) {
            if (!families.contains(f)) {
                continue;
            }
            if (ranked(f)) {
                for (int r : ranks) {
                    out.add(of(f, r));
                }
            } else {
                out.add(of(f, 0));
            }
        }
        return out;
    }

    /** The method {@code family} at {@code rank} (0 for methods without one). */
    public static CompareMethod of(String family, int rank) {
        if (ranked(family) != (rank > 0)) {
            throw new IllegalArgumentException("compare: method '" + family + "' " + (ranked(family)
                    ? "needs a rank ≥ 1" : "has no rank") + ", got rank " + rank);
        }
        return switch (family) {
            case "adamw" -> new CompareMethod(family, 0, "adamw", false, false, List.of(1e-4, 3e-4, 1e-3));
            case "sgd" -> new CompareMethod(family, 0, "sgd", false, false, List.of(3e-3, 1e-2, 3e-2));
            case "lora" -> new CompareMethod(family, rank, "adamw", true, false, List.of(3e-3, 1e-2, 3e-2));
            case "galore" -> new CompareMethod(family, rank, "galore", false, false, List.of(3e-3, 1e-2, 3e-2));
            case "mofasgd" -> new CompareMethod(family, rank, "mofasgd", false, true, List.of(3e-3, 1e-2, 3e-2));
            case "mofasgd-reciprocal" ->
                    new CompareMethod(family, rank, "mofasgd-reciprocal", false, false, List.of(1e-3, 3e-3, 1e-2));
            case "adalomo" -> new CompareMethod(family, 0, "adalomo", false, true, List.of(3e-3, 1e-2, 3e-2));
            case "lomo" -> new CompareMethod(family, 0, "lomo", false, true, List.of(1e-2, 3e-2, 0.1));
            case "muon" -> new CompareMethod(family, 0, "muon", false, false, List.of(3e-3, 1e-2, 3e-2));
            case "adafactor" -> new CompareMethod(family, 0, "adafactor", false, false, List.of(1e-3, 3e-3, 1e-2));
            default -> throw new IllegalArgumentException("compare: unknown method '" + family + "'; choose from "
                    + FAMILIES);
        };
    }

    /** "mofasgd r8", "adamw". */
    public String label() {
        return rank > 0 ? family + " r" + rank : family;
    }

    /** The file-name-safe id of one run of this method: "mofasgd-r8_lr1e-02". */
    public String runId(double lr) {
        return (rank > 0 ? family + "-r" + rank : family) + "_lr" + String.format(Locale.ROOT, "%.0e", lr);
    }

    /** Global-norm clip: off for fused methods, which consume the gradients in backward. */
    public double clip() {
        return fused ? 0 : 1.0;
    }
}

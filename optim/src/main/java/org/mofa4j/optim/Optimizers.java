package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mofa4j.autograd.Variable;

/**
 * Builds an optimizer from its name, for command lines and comparisons. Low-rank and matrix methods (MoFaSGD,
 * GaLore, Muon) take the hidden matrices and hand every other parameter to AdamW, following
 * {@link ParameterRouting#byDefault} ({@code mofasgd-all}: every 2-D parameter, embeddings and head included,
 * {@link ParameterRouting#isMatrix}). AdamW applies weight decay to matrices only, as GPT-2 and nanoGPT do:
 * biases, LayerNorm gains and other vectors are not decayed.
 */
public final class Optimizers {
    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("adamw", "sgd", "adafactor", "adalomo", "lomo", "mofasgd",
            "mofasgd-all", "mofasgd-reciprocal", "galore", "muon");

    /**
     * What to build.
     *
     * @param name        one of {@link #NAMES}
     * @param lr          learning rate of the main method
     * @param weightDecay decoupled weight decay of AdamW (and of the methods that have one)
     * @param beta2       AdamW's β₂ (also the fallback AdamW's)
     * @param rank        rank of MoFaSGD and GaLore
     * @param fallbackLr  learning rate of the AdamW fallback (for MoFaSGD, GaLore, Muon)
     * @param fused       LOMO, AdaLomo, MoFaSGD: update inside backward (gradient-ready hooks)
     */
    public record Spec(String name, double lr, double weightDecay, double beta2, int rank, double fallbackLr,
            boolean fused) {
        public Spec {
            name = name.toLowerCase(Locale.ROOT);
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of " + NAMES);
            }
        }

        public static Spec of(String name, double lr) {
            return new Spec(name, lr, 0.1, 0.99, 8, 1e-3, false);
        }
    }

    private Optimizers() {}

    public static StatefulOptimizer create(Spec s, List<Variable> params) {
        AdamW.Config fallback = new AdamW.Config(s.fallbackLr(), 0.9, s.beta2(), 1e-8, s.weightDecay());
        StatefulOptimizer opt = switch (s.name()) {
            case "adamw" -> adamW(params, new AdamW.Config(s.lr(), 0.9, s.beta2(), 1e-8, s.weightDecay()));
            case "sgd" -> new Sgd(params, new Sgd.Config(s.lr(), 0.9, 0, 0, false));
            case "adafactor" -> new Adafactor(List.of(new ParamGroup<>(params, Adafactor.Config.externalLr(s.lr()))));
            case "adalomo" -> new AdaLomo(params, AdaLomo.Config.defaults(s.lr()));
            case "lomo" -> new Lomo(params, new Lomo.Config(s.lr(), 0));
            case "mofasgd" -> MoFaSgd.withAdamWFallback(params, MoFaSgd.Config.paper(s.lr(), s.rank()), fallback);
            case "mofasgd-all" -> MoFaSgd.withAdamWFallback(params, MoFaSgd.Config.paper(s.lr(), s.rank()), fallback,
                    ParameterRouting::isMatrix);
            case "mofasgd-reciprocal" ->
                    MoFaSgd.withAdamWFallback(params, MoFaSgd.Config.reference(s.lr(), s.rank()), fallback);
            case "galore" -> GaLore.withAdamWFallback(params, GaLore.Config.defaults(s.lr(), s.rank()), fallback);
            case "muon" -> Muon.withAdamWFallback(params, Muon.Config.defaults(s.lr()), fallback);
            default -> throw new IllegalStateException("unreachable: " + s.name());
        };
        if (s.fused()) {
            attachFused(opt, s.name());
        }
        return opt;
    }

    private static void attachFused(StatefulOptimizer opt, String name) {
        List<StatefulOptimizer> parts = opt instanceof CompositeOptimizer c ? c.parts() : List.of(opt);
        boolean any = false;
        for (StatefulOptimizer p : parts) {
            if (p instanceof FusedInBackward f) {
                f.attach();
                any = true;
            }
        }
        if (!any) {
            throw new IllegalArgumentException(name + " has no fused-in-backward mode (LOMO, AdaLomo and MoFaSGD do)");
        }
    }

    /** AdamW with weight decay on matrices (rank ≥ 2) and none on vectors and scalars. */
    public static AdamW adamW(List<Variable> params, AdamW.Config config) {
        List<Variable> decay = new ArrayList<>();
        List<Variable> noDecay = new ArrayList<>();
        for (Variable p : params) {
            (p.value().rank() >= 2 ? decay : noDecay).add(p);
        }
        AdamW.Config off = new AdamW.Config(config.lr(), config.beta1(), config.beta2(), config.eps(), 0.0);
        List<ParamGroup<AdamW.Config>> groups = new ArrayList<>();
        if (!decay.isEmpty()) {
            groups.add(new ParamGroup<>(decay, config));
        }
        if (!noDecay.isEmpty()) {
            groups.add(new ParamGroup<>(noDecay, off));
        }
        return new AdamW(groups);
    }
}

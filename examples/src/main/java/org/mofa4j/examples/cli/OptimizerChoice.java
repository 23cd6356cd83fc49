package org.mofa4j.examples.cli;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.Sgd;
import org.mofa4j.optim.StatefulOptimizer;

/** Builds an optimizer from its command-line name. */
final class OptimizerChoice {
    private OptimizerChoice() {}

    static StatefulOptimizer create(String name, List<Variable> params, double lr, double weightDecay) {
        return switch (name) {
            case "adamw" -> new AdamW(params, new AdamW.Config(lr, 0.9, 0.99, 1e-8, weightDecay));
            case "sgd" -> new Sgd(params, new Sgd.Config(lr, 0.9, 0, weightDecay, false));
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (adamw or sgd)");
        };
    }
}

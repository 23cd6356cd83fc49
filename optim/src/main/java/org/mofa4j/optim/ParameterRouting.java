package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.mofa4j.autograd.Variable;

/**
 * Decides which parameters a low-rank or factored method (MoFaSGD, GaLore, Muon, ...) handles and which fall
 * back to AdamW. The default follows the reference implementations: hidden 2-D matrices get the method;
 * embeddings, the output head (tied or not) and every parameter that is not 2-D fall back.
 */
public final class ParameterRouting {
    /** Name fragments that mark embeddings and output heads (GPT, GPT-2 and LLaMA-style names). */
    public static final List<String> FALLBACK_NAME_PARTS =
            List.of("wte", "wpe", "embed", "lm_head", "output_projection", "embed_out");

    /** The two lists a policy produces, each in the input order. */
    public record Split(List<Variable> main, List<Variable> fallback) {}

    private ParameterRouting() {}

    /** The default policy: 2-D and not an embedding or head by name. */
    public static boolean isHiddenMatrix(Variable p) {
        if (p.value().rank() != 2) {
            return false;
        }
        String name = p.name() == null ? "" : p.name().toLowerCase(Locale.ROOT);
        for (String part : FALLBACK_NAME_PARTS) {
            if (name.contains(part)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The wider policy of {@code mofasgd-all}: every 2-D parameter, the token and position embeddings and the
     * (tied) output head included; only vectors fall back. It departs from the references (which keep embeddings
     * on AdamW) to drop the fallback's two moments per embedding entry, the largest state a low-rank method
     * otherwise keeps at GPT scale.
     */
    public static boolean isMatrix(Variable p) {
        return p.value().rank() == 2;
    }

    /** Splits with the default policy. */
    public static Split byDefault(List<Variable> params) {
        return split(params, ParameterRouting::isHiddenMatrix);
    }

    /** Splits with a custom policy; parameters that do not require grad are left out of both lists. */
    public static Split split(List<Variable> params, Predicate<Variable> isMain) {
        List<Variable> main = new ArrayList<>();
        List<Variable> fallback = new ArrayList<>();
        for (Variable p : params) {
            if (!p.requiresGrad()) {
                continue;
            }
            (isMain.test(p) ? main : fallback).add(p);
        }
        return new Split(main, fallback);
    }
}

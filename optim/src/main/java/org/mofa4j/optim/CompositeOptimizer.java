package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * Several optimizers over disjoint parameter sets acting as one, e.g. MoFaSGD on hidden matrices with AdamW on
 * embeddings and vectors. State dict keys stay {@code <parameter name>.<state>}, so they do not collide.
 */
public final class CompositeOptimizer implements StatefulOptimizer {
    private final List<StatefulOptimizer> parts;

    /**
     * The main method on {@code split.main()} and the fallback on {@code split.fallback()}, leaving out a side that
     * is empty (an optimizer needs at least one parameter).
     *
     * @throws IllegalArgumentException when both sides are empty
     */
    public static CompositeOptimizer routed(ParameterRouting.Split split,
            java.util.function.Function<List<Variable>, StatefulOptimizer> main,
            java.util.function.Function<List<Variable>, StatefulOptimizer> fallback) {
        List<StatefulOptimizer> parts = new java.util.ArrayList<>();
        if (!split.main().isEmpty()) {
            parts.add(main.apply(split.main()));
        }
        if (!split.fallback().isEmpty()) {
            parts.add(fallback.apply(split.fallback()));
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("CompositeOptimizer: no parameter requires grad (are they all frozen?)");
        }
        return new CompositeOptimizer(parts);
    }

    public CompositeOptimizer(List<StatefulOptimizer> parts) {
        this.parts = List.copyOf(parts);
        Set<String> names = new HashSet<>();
        for (StatefulOptimizer o : this.parts) {
            for (Variable p : o.parameters()) {
                if (!names.add(p.name())) {
                    throw new IllegalArgumentException("CompositeOptimizer: parameter '" + p.name()
                            + "' belongs to two optimizers");
                }
            }
        }
    }

    public List<StatefulOptimizer> parts() {
        return parts;
    }

    @Override
    public String name() {
        StringBuilder sb = new StringBuilder();
        for (StatefulOptimizer o : parts) {
            sb.append(sb.length() == 0 ? "" : "+").append(o.name());
        }
        return sb.toString();
    }

    @Override
    public void step() {
        for (StatefulOptimizer o : parts) {
            o.step();
        }
    }

    @Override
    public void setInspection(Inspection inspection) {
        for (StatefulOptimizer o : parts) {
            o.setInspection(inspection);
        }
    }

    @Override
    public void zeroGrad() {
        for (StatefulOptimizer o : parts) {
            o.zeroGrad();
        }
    }

    @Override
    public void setLrScale(double scale) {
        for (StatefulOptimizer o : parts) {
            o.setLrScale(scale);
        }
    }

    @Override
    public List<Variable> parameters() {
        List<Variable> out = new ArrayList<>();
        for (StatefulOptimizer o : parts) {
            out.addAll(o.parameters());
        }
        return out;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (StatefulOptimizer o : parts) {
            out.putAll(o.stateDict());
        }
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        List<Map<String, Tensor>> pieces = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (StatefulOptimizer o : parts) {
            Map<String, Tensor> mine = new LinkedHashMap<>();
            for (Variable p : o.parameters()) {
                String prefix = p.name() + ".";
                for (Map.Entry<String, Tensor> e : state.entrySet()) {
                    String rest = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : null;
                    if (rest != null && !rest.contains(".")) {
                        mine.put(e.getKey(), e.getValue());
                        used.add(e.getKey());
                    }
                }
            }
            pieces.add(mine);
        }
        for (String key : state.keySet()) {
            if (!used.contains(key)) {
                throw new IllegalArgumentException(name() + ": unexpected optimizer state '" + key + "'");
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            parts.get(i).loadStateDict(pieces.get(i));
        }
    }

    @Override
    public Map<String, Long> stateBytesPerParameter() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (StatefulOptimizer o : parts) {
            out.putAll(o.stateBytesPerParameter());
        }
        return out;
    }
}

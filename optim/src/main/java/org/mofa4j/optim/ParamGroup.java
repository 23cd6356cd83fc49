package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;

/**
 * Parameters that share hyperparameters.
 *
 * @param params the parameters (each must have a unique {@link Variable#name()} for state dicts)
 * @param config the optimizer's hyperparameters for this group, validated by its record constructor
 */
public record ParamGroup<C>(List<Variable> params, C config) {
    public ParamGroup {
        params = List.copyOf(params);
        if (config == null) {
            throw new IllegalArgumentException("ParamGroup: config is null");
        }
    }
}

package org.mofa4j.optim;

import org.mofa4j.tensor.Tensor;

/**
 * An opt-in view into what MoFaSGD, GaLore and AdaLomo do at each step, for diagnostics and teaching
 * ({@link DiagnosticsRecorder} is the implementation that measures things). An optimizer holds at most one
 * ({@link Optimizer#setInspection}); when it holds none (the default) the only cost is one null check per
 * parameter update: no copy, no product and no allocation is added.
 *
 * <p>The optimizers call it at fixed points, always <em>after</em> the parameter's update, with the tensors they
 * already have (nothing is copied for the call except the weight before the step, and only on due steps):
 * <ul>
 *   <li>MoFaSGD: every update (a full-rank shadow momentum must see every gradient), with the factors before and
 *       after UMF and the skinny products G·V, Gᵀ·U;</li>
 *   <li>GaLore: every projector refresh, and every due step;</li>
 *   <li>AdaLomo: every due step of a matrix parameter, with RMS(u) before and after grouped normalisation.</li>
 * </ul>
 * Tensors handed over are the optimizer's live state or temporaries: read them during the call, never keep or
 * modify them.
 */
public interface Inspection {

    /** Whether update number {@code step} (1-based, per parameter) is one to measure in full. */
    boolean due(long step);

    /**
     * One MoFaSGD update of one matrix W [m, n].
     *
     * @param name         the parameter's name
     * @param step         1-based update number of this parameter
     * @param due          {@link #due}(step), already asked
     * @param beta         the β used by this step
     * @param grad         G [m, n]
     * @param before       U, S, V before the step (for a first step: the initial factors, S = 0 for gradient init)
     * @param after        U⁺, S⁺, V⁺
     * @param gv           G·V [m, r] with the old V
     * @param gtu          Gᵀ·U [n, r] with the old U
     * @param weightBefore a copy of W before the step on due steps, else null
     * @param weightAfter  W after the step (live)
     */
    record MoFaSgdStep(String name, long step, boolean due, double beta, Tensor grad, MoFaSgd.Factors before,
            MoFaSgd.Factors after, Tensor gv, Tensor gtu, Tensor weightBefore, Tensor weightAfter) {}

    /**
     * One GaLore update that either refreshed the projector or is due.
     *
     * @param refreshed    whether this step computed a new projector from G
     * @param previous     the projector before a refresh (null at the first step or when not refreshed)
     * @param projector    the projector this step used
     * @param projected    R = project(G)
     * @param weightBefore a copy of W before the step on due steps, else null
     */
    record GaLoreStep(String name, long step, boolean due, Tensor grad, boolean refreshed,
            GaLoreProjector previous, GaLoreProjector projector, Tensor projected, Tensor weightBefore,
            Tensor weightAfter) {}

    /**
     * One due AdaLomo update of a matrix parameter.
     *
     * @param rmsRaw        RMS(u), u = g / √V̂, before grouped normalisation
     * @param rmsNormalised RMS(û), û = u / max(1, RMS(u)/d)
     * @param alpha         the step size α = η·max(ε₂, RMS(θ))
     * @param weightBefore  a copy of θ before the step
     */
    record AdaLomoStep(String name, long step, Tensor grad, double rmsRaw, double rmsNormalised, double alpha,
            Tensor weightBefore, Tensor weightAfter) {}

    default void onMoFaSgdStep(MoFaSgdStep s) {}

    default void onGaLoreStep(GaLoreStep s) {}

    default void onAdaLomoStep(AdaLomoStep s) {}
}

package org.mofa4j.optim;

import java.util.IdentityHashMap;
import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * The machinery LOMO and AdaLomo share (Lv et al., "Full Parameter Fine-tuning for Large Language Models with
 * Limited Resources", 2023, and "AdaLomo", 2023): each parameter is updated inside backward, in a gradient-ready
 * hook, with its own final gradient, and the gradient is dropped at once. No full set of gradients ever exists.
 *
 * <p>Two ways to run it:
 * <ul>
 *   <li>Fused: {@link #attach()} once, then per step {@link #backward(Variable) backward(loss)}, or equivalently
 *       {@code loss.backward(); opt.step()} (with clipping: {@code opt.gradNorm(loss); loss.backward(); opt.step()}).
 *       While attached, {@link #step()} only closes the step: the weights were already updated in backward.</li>
 *   <li>Unfused: without attach, {@code loss.backward(); opt.step()} applies the same per-parameter update from the
 *       stored gradients, like any optimizer. Same results, bit for bit; no memory saving.</li>
 * </ul>
 *
 * <p><b>Gradient accumulation across micro-batches is impossible in fused mode</b>: a gradient is applied and freed
 * the moment it is final. A second backward before {@code step()}, or {@code attach()} while a parameter holds a
 * gradient, throws an {@link IllegalStateException} naming the parameter, instead of silently taking one update
 * per micro-batch. (The unfused mode accumulates as usual, but then nothing is saved.)
 *
 * <p><b>Global-norm clipping needs two backward passes</b> (the reference's {@code grad_norm} then
 * {@code fused_backward}): pass 1 runs with the graph retained and only sums ‖g‖² over all parameters; then
 * clip_coef = min(1, maxNorm / (‖g‖ + 1e-6)) and pass 2 updates with g·clip_coef. An update pass without the
 * norm pass throws, as in the reference. The element clamp (maxValue) comes before the coefficient; the norm is
 * that of the unclamped gradient, as in the reference.
 *
 * <p><b>"One hook late" is not reproduced.</b> The reference's hook fires before the gradient reaches
 * {@code .grad}, so it scans all parameters and updates the ones whose {@code .grad} is already set, that is the
 * previous parameter, and needs a last manual call after backward. Here the engine hands the hook the final
 * gradient of that very parameter, so each parameter is updated in its own hook: the same update with the same
 * gradient, one gradient live instead of two, and no trailing call. The engine's saved-tensor version check turns
 * the reference's silent hazard (a later node reading a value updated too early) into an error.
 *
 * <p>Not ported: LOMO's fp16 DynamicLossScaler and AdaLomo's fixed loss scale 2¹⁰. This engine trains in F32/F64;
 * multiplying the loss by a power of two and dividing the gradient by it is exact there (barring overflow), so it
 * would change nothing.
 *
 * <p><b>Bad gradients.</b> Unfused, {@link #step()} checks every gradient before any update (see {@link Optimizer}).
 * Fused, the gradients arrive one at a time inside backward, so an all-or-nothing check needs the norm pass: with
 * global-norm clipping on, a NaN or Inf anywhere makes the global norm non-finite before any update, and the step
 * throws (THROW) or is skipped and counted (SKIP_STEP). Without clipping each hook checks its own gradient before
 * updating its parameter: a bad one throws (THROW) or stops the rest of the step's updates (SKIP_STEP, counted
 * once), but parameters whose hooks ran earlier in that backward have already been updated. Turn clipping on
 * (e.g. a very large maxNorm) when a partial update must be ruled out in fused mode.
 *
 * @param <C> the hyperparameter record of one group
 */
public abstract class FusedUpdateOptimizer<C> extends Optimizer<C> implements FusedInBackward {

    /**
     * Gradient clipping, for all groups together.
     *
     * @param maxNorm  c in clip_coef = min(1, c / (‖g‖_global + 1e-6)); 0 turns it off (needs the norm pass when on)
     * @param maxValue clamp each gradient element to [−maxValue, maxValue]; 0 turns it off
     */
    public record Clipping(double maxNorm, double maxValue) {
        /** No clipping (the reference's default). */
        public static final Clipping NONE = new Clipping(0, 0);

        public Clipping {
            Hyper.nonNegative("Clipping", "maxNorm (0 = off)", maxNorm);
            Hyper.nonNegative("Clipping", "maxValue (0 = off)", maxValue);
        }

        /** Global-norm clipping at {@code maxNorm}, no element clamp. */
        public static Clipping globalNorm(double maxNorm) {
            return new Clipping(maxNorm, 0);
        }
    }

    /** What the hooks do in the pass that is running. */
    private enum Pass { UPDATE, NORM }

    private final Clipping clipping;
    private final IdentityHashMap<Variable, C> configs = new IdentityHashMap<>();
    private boolean attached;
    private Pass pass = Pass.UPDATE;
    /** Per parameter (in {@link #parameters()} order): Σg² from the norm pass. Summed in that order in both modes. */
    private final double[] normSquared;
    private final IdentityHashMap<Variable, Integer> index = new IdentityHashMap<>();
    /** The clip coefficient of the step in progress; NaN when none has been computed. */
    private double clipCoef = Double.NaN;
    /** Parameters already updated in the step in progress (fused mode). */
    private final IdentityHashMap<Variable, Boolean> updatedThisStep = new IdentityHashMap<>();
    /** Fused mode: a bad gradient was seen under SKIP_STEP; the rest of this step's hooks only consume gradients. */
    private boolean skippingThisStep;

    protected FusedUpdateOptimizer(String name, List<ParamGroup<C>> groups, Clipping clipping) {
        super(name, groups);
        if (clipping == null) {
            throw new IllegalArgumentException(name + ": clipping is null; use Clipping.NONE");
        }
        this.clipping = clipping;
        this.normSquared = new double[parameters().size()];
        for (Variable p : parameters()) {
            index.put(p, index.size());
        }
        for (ParamGroup<C> g : groups()) {
            for (Variable p : g.params()) {
                if (!p.value().isContiguous()) {
                    throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' is not contiguous");
                }
                configs.put(p, g.config());
            }
        }
    }

    public Clipping clipping() {
        return clipping;
    }

    /** Called once per step, before the step's first parameter update (AdaLomo advances its step counter). */
    protected void beginStep() {}

    /** The multiplier of this step's gradients: the clip coefficient, or 1 without global-norm clipping. */
    final double gradMultiplier() {
        return clipping.maxNorm() > 0 ? clipCoef : 1;
    }

    /** The gradient as the update rule reads it: clamped to ±maxValue, then times the clip coefficient. */
    final FactoredSecondMoment.Grad clippedGrad(Tensor grad) {
        return new FactoredSecondMoment.Grad(grad, clipping.maxValue(), gradMultiplier());
    }

    // ------------------------------------------------------------------------------------------ fused mode

    @Override
    public void attach() {
        if (attached) {
            return;
        }
        for (Variable p : parameters()) {
            if (p.grad() != null) {
                throw new IllegalStateException(name() + ": attach(): parameter '" + p.name() + "' already holds a "
                        + "gradient; fused updates consume each gradient inside backward and cannot add to one "
                        + "accumulated earlier (gradient accumulation is not possible). Call zeroGrad() first");
            }
        }
        for (Variable p : parameters()) {
            p.addGradReadyHook(this::onGradReady);
        }
        attached = true;
    }

    /** Removes the hooks (every gradient-ready hook of these parameters) and closes any step in progress. */
    @Override
    public void detach() {
        for (Variable p : parameters()) {
            p.clearGradReadyHooks();
        }
        attached = false;
        endStep();
    }

    @Override
    public boolean isAttached() {
        return attached;
    }

    /**
     * One whole fused step: the norm pass when global-norm clipping is on, then the update pass, then
     * {@link #step()}. Needs {@link #attach()}. After it every parameter with a gradient path is updated and no
     * parameter holds a gradient.
     *
     * @param loss a one-element loss
     */
    public void backward(Variable loss) {
        requireAttached("backward(loss)");
        checkScalar(loss);
        if (clipping.maxNorm() > 0) {
            gradNorm(loss);
        }
        loss.backward();
        step();
    }

    /**
     * The norm pass: backward with the graph retained, summing every parameter's ‖g‖² without updating anything
     * (the gradients are consumed), then sets this step's clip coefficient. Call it before the update backward.
     *
     * @return the global gradient norm ‖[g₁, …, g_P]‖₂
     * @throws ArithmeticException if the norm is not finite (nothing has been updated; skip the step)
     */
    public double gradNorm(Variable loss) {
        requireAttached("gradNorm(loss)");
        checkScalar(loss);
        if (!updatedThisStep.isEmpty()) {
            throw new IllegalStateException(name() + ": gradNorm(loss) must come before this step's update backward; "
                    + "call step() to finish the step in progress first");
        }
        pass = Pass.NORM;
        java.util.Arrays.fill(normSquared, 0);
        try {
            loss.backward(Tensor.ones(loss.value().dtype(), loss.value().shape()), true);
        } finally {
            pass = Pass.UPDATE;
        }
        double norm = globalNorm();
        if (!Double.isFinite(norm) && nonFiniteGradPolicy() == NonFiniteGradPolicy.SKIP_STEP) {
            clipCoef = Double.NaN;
            skippingThisStep = true;
            return norm;
        }
        if (!Double.isFinite(norm)) {
            clipCoef = Double.NaN;
            throw new ArithmeticException(name() + ": the global gradient norm is " + norm
                    + "; no parameter was updated, skip this step");
        }
        clipCoef = clipping.maxNorm() > 0 ? Math.min(1, clipping.maxNorm() / (norm + 1e-6)) : 1;
        return norm;
    }

    private boolean onGradReady(Variable p, Tensor grad) {
        if (pass == Pass.NORM) {
            normSquared[index.get(p)] = FactoredSecondMoment.sumOfSquares(grad);
            return true;
        }
        if (updatedThisStep.containsKey(p)) {
            throw new IllegalStateException(name() + ": parameter '" + p.name() + "' received a second gradient in "
                    + "one step. Gradient accumulation across micro-batches is not possible with fused updates: each "
                    + "gradient is applied and freed inside backward. Call step() (or use backward(loss)) after every "
                    + "backward, or detach() and use the unfused step() to accumulate");
        }
        if (p.grad() != null) {
            throw new IllegalStateException(name() + ": parameter '" + p.name() + "' holds a gradient from an "
                    + "unfused backward; fused updates cannot accumulate onto it. Call zeroGrad() first");
        }
        if (skippingThisStep) {
            return true; // consume the gradient, update nothing
        }
        int bad = firstNonFinite(grad);
        if (bad >= 0) {
            if (nonFiniteGradPolicy() == NonFiniteGradPolicy.SKIP_STEP) {
                skippingThisStep = true;
                return true;
            }
            throw new ArithmeticException(nonFiniteMessage(p, "gradient", grad, bad) + "; in fused mode without "
                    + "global-norm clipping, the " + updatedThisStep.size() + " parameter(s) whose hooks ran earlier "
                    + "in this backward were already updated");
        }
        if (clipping.maxNorm() > 0 && Double.isNaN(clipCoef)) {
            throw new IllegalStateException(name() + ": clipping.maxNorm is " + clipping.maxNorm() + " but this "
                    + "step's gradient norm was not computed; call gradNorm(loss) before the update backward, or use "
                    + "backward(loss), which runs both passes");
        }
        if (updatedThisStep.isEmpty()) {
            beginStep();
        }
        updatedThisStep.put(p, Boolean.TRUE);
        update(p, grad.contiguous(), configs.get(p), state(p));
        p.value().markModified();
        return true;
    }

    // ------------------------------------------------------------------------------------------ step

    /**
     * Attached: closes the step (the updates happened in backward). Detached: the unfused step from the stored
     * gradients, with the global norm taken from them when clipping is on.
     */
    @Override
    public void step() {
        if (attached) {
            endStep();
            return;
        }
        if (!checkBeforeStep()) {
            return;
        }
        if (clipping.maxNorm() > 0) {
            for (Variable p : parameters()) {
                normSquared[index.get(p)] = p.grad() == null ? 0 : FactoredSecondMoment.sumOfSquares(p.grad());
            }
            double norm = globalNorm();
            if (!Double.isFinite(norm)) {
                throw new ArithmeticException(name() + ": the global gradient norm is " + norm
                        + "; no parameter was updated, skip this step");
            }
            clipCoef = Math.min(1, clipping.maxNorm() / (norm + 1e-6));
        }
        try {
            beginStep();
            super.step();
        } finally {
            clipCoef = Double.NaN;
        }
    }

    /** √(Σ over parameters, in order, of Σg²): the same bits whichever order the hooks fired in. */
    private double globalNorm() {
        double sq = 0;
        for (double s : normSquared) {
            sq += s;
        }
        return Math.sqrt(sq);
    }

    private void endStep() {
        if (skippingThisStep) {
            countSkippedStep();
            skippingThisStep = false;
        }
        updatedThisStep.clear();
        clipCoef = Double.NaN;
        pass = Pass.UPDATE;
    }

    private void requireAttached(String what) {
        if (!attached) {
            throw new IllegalStateException(name() + ": " + what + " runs the fused update and needs attach() first");
        }
    }

    private void checkScalar(Variable loss) {
        if (loss.value().numel() != 1) {
            throw new IllegalArgumentException(name() + ": the loss must have one element, got shape "
                    + java.util.Arrays.toString(loss.shape()));
        }
    }
}

package org.mofa4j.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mofa4j.autograd.BackwardObserver;
import org.mofa4j.autograd.OuterProductGradSink;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.CompositeOptimizer;
import org.mofa4j.optim.FusedInBackward;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * <b>Peak live heap</b> of a training step: the largest heap still reachable after a full GC, over probe points
 * placed where training retains the most. This is what the peak heap of the JVM's memory pools tries to show,
 * without their noise: pool peaks include garbage that no collection has reclaimed yet, and summed pool peaks
 * come from different moments.
 *
 * <p>Probe points, in each measured step:
 * <ul>
 *   <li>every gradient-ready hook of every trainable parameter, <em>before</em> any optimizer hook runs: the
 *       activations that backward has not yet released, the activation gradients in flight, this parameter's
 *       final gradient (the one fused optimizers consume next), all gradients kept so far, optimizer state;</li>
 *   <li>every factored weight-gradient contribution offered to a parameter's
 *       {@link OuterProductGradSink} (fused MoFaSGD's dense layers, whose m×n gradient is never formed), before
 *       the sink runs;</li>
 *   <li>after backward, right before {@code optimizer.step()}
 *       ({@link TrainingListener#beforeOptimizerStep}): every kept gradient and the state;</li>
 *   <li>with {@link Points#EVERY_OP}, also after every op of backward ({@link BackwardObserver}), before the op
 *       frees its saved tensors. Without it, ops that touch no trainable parameter are not sampled, and a method
 *       with few trainable parameters (LoRA freezes the tied head, the LayerNorms and the embeddings) is sampled
 *       less, so its peak reads low: compare methods with {@code EVERY_OP}.</li>
 * </ul>
 * At each point {@link HeapProbe#liveHeapBytes()} runs a full, stop-the-world GC ({@code System.gc()}; run the
 * JVM with {@code -XX:+UseSerialGC} so that it is exactly one full collection) and reads the heap used; the result
 * is the maximum. With {@code EVERY_OP}, at most one backward op runs between two adjacent probe points, so the true
 * peak exceeds this maximum by at most the temporaries of one op (or of one parameter's optimizer update inside
 * {@code step()}, which is not sampled). The forward pass peaks at its end, which the first hook of backward
 * follows after one node. Readings are deterministic to a few KiB for a given JVM, so methods compare directly.
 *
 * <p>Each probe costs a full GC (tens of ms), so only chosen steps are probed; pick steps after the first, which allocates the optimizer state and, for MoFaSGD's gradient initialisation,
 * holds every full gradient once. {@link #probeNanos()} is the time spent in probes, to subtract from timings.
 */
public final class PeakHeapProbe implements TrainingListener {
    /** Where a probed step is sampled. */
    public enum Points {
        /** Every trainable parameter's gradient-ready hook and outer-product sink, and before the optimizer step. */
        PARAMETERS,
        /** {@link #PARAMETERS}, and after every op of backward. */
        EVERY_OP
    }

    private final SortedSet<Long> steps;
    private BackwardObserver.Scope observerScope;
    private final SortedMap<Long, Long> maxLivePerStep = new TreeMap<>();
    private long armedStep = -1;
    private int probes;
    private long probeNanos;

    private PeakHeapProbe(SortedSet<Long> steps) {
        if (steps.isEmpty() || steps.first() < 1) {
            throw new IllegalArgumentException("PeakHeapProbe: steps to probe must be a non-empty set of 1-based "
                    + "steps, got " + steps);
        }
        this.steps = steps;
    }

    /** Probes steps {@code firstStep..lastStep} (1-based) of {@code trainer}; see {@link #install(Trainer, Set)}. */
    public static PeakHeapProbe install(Trainer trainer, long firstStep, long lastStep) {
        SortedSet<Long> steps = new TreeSet<>();
        for (long s = firstStep; s <= lastStep; s++) {
            steps.add(s);
        }
        return install(trainer, steps);
    }

    /** {@link #install(Trainer, Set, Points)} at {@link Points#PARAMETERS}. */
    public static PeakHeapProbe install(Trainer trainer, Set<Long> steps) {
        return install(trainer, steps, Points.PARAMETERS);
    }

    /**
     * Probes the given steps (1-based) of {@code trainer} at {@code points}: registers a probing gradient-ready
     * hook on each trainable parameter ahead of the optimizer's own hooks (fused optimizers are detached and
     * re-attached around it), wraps every outer-product sink the optimizers installed, listens for the point
     * before each optimizer step, and with {@link Points#EVERY_OP} observes every backward op on this thread.
     */
    public static PeakHeapProbe install(Trainer trainer, Set<Long> steps, Points points) {
        PeakHeapProbe probe = new PeakHeapProbe(new TreeSet<>(steps));
        List<FusedInBackward> fused = attachedFusedParts(trainer.optimizer());
        fused.forEach(FusedInBackward::detach);
        for (Variable p : trainer.model().trainableParameters()) {
            p.addGradReadyHook((param, grad) -> {
                probe.probeIfArmed("hook " + param.name());
                return false; // never consumes: the optimizer's hook or grad() gets the gradient as before
            });
        }
        fused.forEach(FusedInBackward::attach);
        for (Variable p : trainer.model().trainableParameters()) {
            OuterProductGradSink sink = p.outerProductGradSink(); // fused MoFaSGD's factored products
            if (sink != null) {
                p.setOuterProductGradSink((param, dy, x) -> {
                    probe.probeIfArmed("sink " + param.name());
                    return sink.accept(param, dy, x);
                });
            }
        }
        if (points == Points.EVERY_OP) {
            probe.observerScope = BackwardObserver.observe(op -> probe.probeIfArmed("op " + op));
        }
        trainer.addListener(probe);
        return probe;
    }

    private static List<FusedInBackward> attachedFusedParts(StatefulOptimizer o) {
        List<StatefulOptimizer> parts = o instanceof CompositeOptimizer c ? c.parts() : List.of(o);
        List<FusedInBackward> out = new ArrayList<>();
        for (StatefulOptimizer p : parts) {
            if (p instanceof FusedInBackward f && f.isAttached()) {
                out.add(f);
            }
        }
        return out;
    }

    private void probeIfArmed(String where) {
        if (armedStep < 0) {
            return;
        }
        long t0 = System.nanoTime();
        long live = HeapProbe.liveHeapBytes();
        if (Boolean.getBoolean("mofa4j.probe.trace")) {
            System.err.printf(java.util.Locale.ROOT, "probe step %d %-40s %.3f MiB%n", armedStep, where, live / 1048576.0);
        }
        maxLivePerStep.merge(armedStep, live, Math::max);
        probes++;
        probeNanos += System.nanoTime() - t0;
    }

    private void armFor(long step) {
        armedStep = steps.contains(step) ? step : -1;
    }

    @Override
    public void onStart(long completedSteps, long totalSteps) {
        armFor(completedSteps + 1);
    }

    @Override
    public void beforeOptimizerStep(long step) {
        probeIfArmed("before step");
    }

    @Override
    public void onStep(StepStats stats) {
        armFor(stats.step() + 1);
    }

    @Override
    public void onEnd(long completedSteps) {
        armedStep = -1;
        if (observerScope != null) {
            observerScope.close();
            observerScope = null;
        }
    }

    /** The largest live heap over all probes, or -1 if no probe ran (the run ended before the first step). */
    public long maxLiveBytes() {
        return maxLivePerStep.values().stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    /** The largest live heap over the probes of one step (1-based), or -1 if that step was not probed. */
    public long maxLiveBytes(long step) {
        return maxLivePerStep.getOrDefault(step, -1L);
    }

    /** Probes taken. */
    public int probes() {
        return probes;
    }

    /** Nanoseconds spent in probes (GC time included). */
    public long probeNanos() {
        return probeNanos;
    }
}

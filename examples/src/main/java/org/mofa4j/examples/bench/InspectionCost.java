package org.mofa4j.examples.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.DiagnosticsRecorder;
import org.mofa4j.optim.MoFaSgd;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * What inspection costs a MoFaSGD step: the 16 hidden matrices of the default tiny GPT (4 layers, width 128:
 * qkv 384×128, proj 128×128, fc 512×128, mlp proj 128×512), rank 8, stepped with fixed gradients in three modes,
 * interleaved round by round so machine noise hits all of them alike:
 * <ul>
 *   <li>off: no inspection set (the default);</li>
 *   <li>every 10: a {@link DiagnosticsRecorder} measuring every 10th step (shadow updated every step);</li>
 *   <li>every 1: measuring at every step.</li>
 * </ul>
 * Reports the median optimizer-step time and the bytes allocated per step of each mode.
 */
public final class InspectionCost {
    /** One mode's result. */
    public record Row(String mode, double medianMillis, double minMillis, double allocatedBytesPerStep) {}

    private InspectionCost() {}

    public static List<Row> measure(int rounds, int stepsPerRound) {
        Rng rng = new Rng(3);
        int[][] shapes = {{384, 128}, {128, 128}, {512, 128}, {128, 512}};
        List<Variable> params = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        for (int layer = 0; layer < 4; layer++) {
            for (int[] s : shapes) {
                params.add(Variable.parameter(rng.normal(DType.F32, 0, 0.02, s[0], s[1]),
                        "blocks." + layer + "." + s[0] + "x" + s[1]));
                grads.add(rng.normal(DType.F32, 0, 1e-3, s[0], s[1]));
            }
        }
        String[] modes = {"off", "every 10", "every 1"};
        MoFaSgd[] opts = new MoFaSgd[modes.length];
        for (int k = 0; k < modes.length; k++) {
            List<Variable> copy = new ArrayList<>();
            for (Variable p : params) {
                copy.add(Variable.parameter(p.value().copy(), p.name()));
            }
            opts[k] = new MoFaSgd(copy, MoFaSgd.Config.paper(0.02, 8));
            if (k > 0) {
                opts[k].setInspection(new DiagnosticsRecorder(k == 1 ? 10 : 1, rec -> { }));
            }
            for (int i = 0; i < 3; i++) {
                step(opts[k], grads); // initialisation and warm-up
            }
        }
        double[][] times = new double[modes.length][rounds * stepsPerRound];
        long[] allocated = new long[modes.length];
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < modes.length; k++) {
                long a0 = HeapProbe.allocatedBytes();
                for (int i = 0; i < stepsPerRound; i++) {
                    long t0 = System.nanoTime();
                    step(opts[k], grads);
                    times[k][round * stepsPerRound + i] = (System.nanoTime() - t0) / 1e6;
                }
                allocated[k] += HeapProbe.allocatedBytes() - a0;
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < modes.length; k++) {
            double[] t = times[k].clone();
            Arrays.sort(t);
            rows.add(new Row(modes[k], t[t.length / 2], t[0], (double) allocated[k] / (rounds * stepsPerRound)));
        }
        return rows;
    }

    private static void step(MoFaSgd opt, List<Tensor> grads) {
        List<Variable> ps = opt.parameters();
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).setGrad(grads.get(i));
        }
        opt.step();
        opt.zeroGrad();
    }

    /** Prints the table. */
    public static void print(List<Row> rows, PrintStream out) {
        out.println("MoFaSGD optimizer step, 16 matrices of the tiny GPT, rank 8 (median of interleaved rounds):");
        out.printf(Locale.ROOT, "  %-9s %12s %12s %16s %10s%n", "inspect", "median ms", "min ms", "alloc MiB/step",
                "vs off");
        double off = rows.getFirst().medianMillis();
        for (Row r : rows) {
            out.printf(Locale.ROOT, "  %-9s %12.2f %12.2f %16.2f %9.2fx%n", r.mode(), r.medianMillis(), r.minMillis(),
                    r.allocatedBytesPerStep() / (1 << 20), r.medianMillis() / off);
        }
    }
}

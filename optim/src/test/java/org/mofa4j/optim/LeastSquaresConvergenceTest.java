package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Every optimizer the command line offers converges on least squares, min ‖X·Wᵀ + b − Y‖² / N, where the target
 * W* has rank 2 (so low-rank methods can reach it) and b* is non-zero (so the AdamW fallback takes part), and its
 * state dict survives a round trip mid-run: the resumed optimizer continues bit-identically.
 */
class LeastSquaresConvergenceTest {
    private static final int STEPS = 400;

    private record Problem(Tensor x, Tensor y) {}

    private static Problem problem() {
        Rng rng = new Rng(21);
        Tensor x = rng.normal(0, 1, 64, 10);                                   // [N, in]
        Tensor wStar = rng.normal(0, 1, 8, 2).matmul(rng.normal(0, 1, 2, 10)); // rank 2, [out, in]
        Tensor bStar = rng.normal(0, 1, 8);
        return new Problem(x, x.matmul(wStar.t()).add(bStar));                 // [N, out]
    }

    private static double loss(Problem p, Variable w, Variable b) {
        Variable r = ElementwiseFns.sub(MatmulFns.linear(Variable.constant(p.x()), w, b), Variable.constant(p.y()));
        Variable l = ReduceFns.mean(ElementwiseFns.square(r));
        l.backward();
        return l.value().item();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"adamw, 0.05", "sgd, 0.02", "adafactor, 0.05", "adalomo, 0.1", "lomo, 0.1", "mofasgd, 0.1", "mofasgd-all, 0.1",
        "mofasgd-reciprocal, 1.0", "galore, 0.2", "muon, 0.1"})
    void convergesAndRoundTripsItsState(String name, double lr) {
        Problem p = problem();
        // a random start: AdaLomo's step is relative to RMS(W) and the reference MoFaSGD starts from SVD(W)
        Variable w = Variable.parameter(new Rng(5).normal(0, 0.3, 8, 10), "blocks.0.mlp.fc.weight");
        Variable b = Variable.parameter(Tensor.zeros(8), "blocks.0.mlp.fc.bias");
        StatefulOptimizer opt = Optimizers.create(new Optimizers.Spec(name, lr, 0.0, 0.99, 4, 0.05, false),
                List.of(w, b));
        double first = Double.NaN;
        double last = Double.NaN;
        for (int t = 0; t < STEPS; t++) {
            opt.setLrScale(0.5 * (1 + Math.cos(Math.PI * t / STEPS)));   // cosine to 0, so sign-like steps settle
            double l = loss(p, w, b);
            first = t == 0 ? l : first;
            last = l;
            opt.step();
            opt.zeroGrad();
        }
        assertTrue(last < 0.02 * first, name + ": loss " + first + " → " + last);

        // state dict round trip: a fresh optimizer loaded from the dict continues bit-identically
        Map<String, Tensor> saved = new java.util.LinkedHashMap<>();
        opt.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        Variable w2 = Variable.parameter(w.value().copy(), w.name());
        Variable b2 = Variable.parameter(b.value().copy(), b.name());
        StatefulOptimizer resumed = Optimizers.create(new Optimizers.Spec(name, lr, 0.0, 0.99, 4, 0.05, false),
                List.of(w2, b2));
        resumed.loadStateDict(saved);
        for (int t = 0; t < 3; t++) {
            opt.setLrScale(0.1);
            resumed.setLrScale(0.1);
            loss(p, w, b);
            loss(p, w2, b2);
            opt.step();
            resumed.step();
            opt.zeroGrad();
            resumed.zeroGrad();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(w.value().toFloatArray(), w2.value().toFloatArray(), name);
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.value().toFloatArray(), b2.value().toFloatArray(), name);
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/** Smoke test: MoFaSGD with its AdamW fallback fits a low-rank linear regression with a bias. */
class MoFaSgdTrainingTest {

    @ParameterizedTest(name = "fused {0}")
    @ValueSource(booleans = {false, true})
    void lowRankRegressionLossFallsByTwoOrdersOfMagnitude(boolean fused) {
        Rng rng = new Rng(42);
        int in = 16;
        int out = 12;
        Tensor x = rng.normal(0, 1, 64, in);
        Tensor target = Dense.tensor(Dense.withSpectrum(rng, in, out, 3, 2, 1), DType.F32); // rank-3 W*
        Tensor y = x.matmul(target).add(rng.normal(0, 1, out));
        Variable w = Variable.parameter(Tensor.zeros(in, out), "blocks.0.w"); // zero init, as modded-NanoGPT
        Variable b = Variable.parameter(Tensor.zeros(out), "blocks.0.b");
        CompositeOptimizer opt = MoFaSgd.withAdamWFallback(List.of(w, b), MoFaSgd.Config.paper(0.1, 4),
                new AdamW.Config(0.05, 0.9, 0.99, 1e-8, 0));
        if (fused) {
            ((MoFaSgd) opt.parts().get(0)).attach();
        }
        int steps = 300;
        double first = 0;
        double last = 0;
        for (int t = 0; t < steps; t++) {
            opt.setLrScale(1.0 - (double) t / steps); // linear decay: the spectral step has a fixed size
            Variable pred = ElementwiseFns.add(MatmulFns.matmul(Variable.constant(x), w), b);
            Variable loss = ReduceFns.mean(ElementwiseFns.square(ElementwiseFns.sub(pred, Variable.constant(y))));
            loss.backward();
            opt.step();
            opt.zeroGrad();
            last = loss.value().item();
            if (t == 0) {
                first = last;
            }
        }
        assertTrue(last < 0.01 * first, "loss " + first + " → " + last);
    }
}

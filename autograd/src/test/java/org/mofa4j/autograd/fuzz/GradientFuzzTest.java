package org.mofa4j.autograd.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.mofa4j.autograd.ActivationFns;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.GradCheck;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.ShapeFns;
import org.mofa4j.autograd.SoftmaxFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Property-based fuzzing of backward: random chains of smooth ops (broadcast binary ops with fresh inputs, views,
 * activations, softmax, reductions, matmul) in float64, each gradient checked against central finite differences by
 * {@link GradCheck}. Ops with kinks (abs, max, clamp) are left out: finite differences are not an oracle at a kink.
 */
class GradientFuzzTest {
    /** One op of a chain: the current variable and all inputs in, the next variable out. */
    private record Step(String what, BiFunction<Variable, Variable[], Variable> apply) {}

    @Property
    void randomOpChainsHaveTheGradientsFiniteDifferencesMeasure(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 6) int length) {
        Random r = new Random(seed);
        Rng rng = new Rng(seed);
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(rng.uniform(DType.F64, -1.5, 1.5, RandomViews.randomShape(r, 1, 3, 4)));
        List<Step> steps = new ArrayList<>();
        Variable probe = Variable.constant(inputs.get(0)); // replays the chain as it grows, to know its shapes
        for (int i = 0; i < length && probe.shape().length > 0; i++) {
            Step s = nextStep(r, rng, probe.shape(), inputs);
            probe = s.apply().apply(probe, constants(inputs));
            steps.add(s);
        }
        String chain = String.join(" → ", steps.stream().map(Step::what).toList());
        GradCheck.Result result = GradCheck.standard().check(chain, vars -> {
            Variable v = vars[0];
            for (Step s : steps) {
                v = s.apply().apply(v, vars);
            }
            return v;
        }, inputs.toArray(Tensor[]::new));
        assertTrue(result.passed(), "input " + Arrays.toString(inputs.get(0).shape()) + ": " + result);
    }

    private static Variable[] constants(List<Tensor> inputs) {
        return inputs.stream().map(Variable::constant).toArray(Variable[]::new);
    }

    /** A random next op for a variable of {@code shape}; binary ops and matmul append their new input. */
    private static Step nextStep(Random r, Rng rng, int[] shape, List<Tensor> inputs) {
        int rank = shape.length;
        int kind = r.nextInt(12);
        switch (kind) {
            case 0, 1, 2 -> {
                int[] partner = RandomViews.broadcastPartner(r, shape);
                inputs.add(rng.uniform(DType.F64, -1.5, 1.5, partner));
                int idx = inputs.size() - 1;
                String p = Arrays.toString(partner);
                return switch (kind) {
                    case 0 -> new Step("add " + p, (v, in) -> ElementwiseFns.add(v, in[idx]));
                    case 1 -> new Step("mul " + p, (v, in) -> ElementwiseFns.mul(v, in[idx]));
                    default -> new Step("div by (y²+½) " + p, (v, in) -> ElementwiseFns.div(v,
                            ElementwiseFns.add(ElementwiseFns.square(in[idx]), 0.5)));
                };
            }
            case 3 -> {
                return new Step("tanh", (v, in) -> ElementwiseFns.tanh(v));
            }
            case 4 -> {
                return new Step("exp∘tanh", (v, in) -> ElementwiseFns.exp(ElementwiseFns.tanh(v)));
            }
            case 5 -> {
                return new Step("gelu", (v, in) -> ActivationFns.gelu(v, ActivationFns.Gelu.TANH));
            }
            case 6 -> {
                int axis = r.nextInt(rank);
                return new Step("softmax(" + axis + ")", (v, in) -> SoftmaxFns.softmax(v, axis));
            }
            case 7 -> {
                int axis = r.nextInt(rank);
                boolean keep = r.nextBoolean();
                return new Step("sum(" + axis + (keep ? ", keep)" : ")"),
                        (v, in) -> ReduceFns.sum(v, new int[] {axis}, keep));
            }
            case 8 -> {
                if (rank < 2) {
                    return new Step("unsqueeze(0)", (v, in) -> ShapeFns.unsqueeze(v, 0));
                }
                int a = r.nextInt(rank);
                int b = r.nextInt(rank);
                return new Step("transpose(" + a + "," + b + ")", (v, in) -> ShapeFns.transpose(v, a, b));
            }
            case 9 -> {
                int axis = r.nextInt(rank);
                int len = 1 + r.nextInt(shape[axis]);
                int start = r.nextInt(shape[axis] - len + 1);
                return new Step("narrow(" + axis + "," + start + "," + len + ")",
                        (v, in) -> ShapeFns.narrow(v, axis, start, len));
            }
            case 10 -> {
                int[] target = new int[rank + 1];
                target[0] = 2 + r.nextInt(2);
                System.arraycopy(shape, 0, target, 1, rank);
                return new Step("expand" + Arrays.toString(target),
                        (v, in) -> ShapeFns.expand(ShapeFns.unsqueeze(v, 0), target));
            }
            default -> {
                int cols = 1 + r.nextInt(3);
                inputs.add(rng.uniform(DType.F64, -1, 1, shape[rank - 1], cols));
                int idx = inputs.size() - 1;
                return new Step("matmul [" + shape[rank - 1] + ", " + cols + "]",
                        (v, in) -> MatmulFns.matmul(v, in[idx]));
            }
        }
    }
}

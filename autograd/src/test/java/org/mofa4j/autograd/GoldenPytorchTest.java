package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mofa4j.autograd.ActivationFns.Gelu;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * The forward pass and every gradient of two small models, against PyTorch.
 *
 * <p>The golden files in {@code src/test/resources/golden/} hold the inputs, parameters, intermediate
 * activations, loss and the gradient of the loss with respect to every parameter and input, all computed
 * by PyTorch in float64. This test only reads them: the default build needs no Python.
 * <ul>
 *   <li>{@code mlp.golden}: x [6, 8] → layerNorm → linear(8→16) → gelu (tanh and exact cases) →
 *       linear(16→5) → crossEntropy with one target at ignore index −100.</li>
 *   <li>{@code attention.golden}: x [2, 5, 8] → linear(8→24) → split q, k, v → [B, H=2, T, D=4] by
 *       reshape + transpose → causal softmax(q·kᵀ/√D)·v → merge heads → linear(8→8) → mean(out²).
 *       Rebuilt three ways: from primitives (matmul, where, softmax), with the fused {@code sdpa} and
 *       {@code causal = true}, and with {@code sdpa} given an additive −∞ mask instead.</li>
 * </ul>
 *
 * <p><b>Tolerance.</b> Element i of a tensor with PyTorch values e passes when
 * {@code |actual_i − e_i| ≤ tol · max(|e_i|, 0.01 · max_j |e_j|)}: a relative error, except that elements
 * smaller than 1 % of the tensor's largest magnitude (often the result of cancellation, e.g. LayerNorm's
 * input gradient) are judged relative to that 1 % floor. tol = {@value #F64_TOL} in float64 and
 * {@value #F32_TOL} for the float32 runs (whose parameters are the golden float64 ones rounded to float32,
 * compared with the float64 PyTorch results). A failure names the tensor, the worst element, both values
 * and the error. To print the worst error of every tensor, run with
 * {@code -Dtest.jvm.extra=-Dmofa4j.golden.verbose=true}.
 *
 * <p><b>Regenerating the files</b> (only when the models change; commit the two .golden files):
 * <pre>
 *   apt-get update
 *   DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
 *       python3-torch python3-numpy libopenblas0-pthread
 *   cd &lt;repository root&gt; &amp;&amp; /usr/bin/python3 autograd/src/test/python/make_golden.py
 * </pre>
 * ({@code /usr/bin/python3}: the pyenv python3 on PATH cannot see Debian's torch.) The format is described
 * in {@link GoldenFile}; the script is seeded and float64 throughout.
 */
class GoldenPytorchTest {
    static final double F64_TOL = 1e-10;
    static final double F32_TOL = 1e-4;
    /** Elements below this fraction of a tensor's largest magnitude are judged against that floor. */
    static final double FLOOR_FRACTION = 1e-2;

    private static final GoldenFile MLP = GoldenFile.load("/golden/mlp.golden");
    private static final GoldenFile ATTENTION = GoldenFile.load("/golden/attention.golden");

    private static final String[] MLP_LEAVES = {
        "x", "ln.weight", "ln.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
    private static final String[] ATTENTION_LEAVES = {"x", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias"};

    // ---------------------------------------------------------------- MLP

    /** The MLP's leaves in {@code dtype}, named as in the golden file. */
    private static Map<String, Variable> mlpLeaves(DType dtype) {
        Map<String, Variable> leaves = new LinkedHashMap<>();
        for (String name : MLP_LEAVES) {
            leaves.put(name, Variable.parameter(MLP.f64(name).to(dtype), name));
        }
        return leaves;
    }

    /** Forward of the MLP; returns its activations by golden name (without the case prefix). */
    private static Map<String, Variable> mlpForward(Map<String, Variable> p, Gelu gelu) {
        IntTensor targets = MLP.ints("targets");
        int ignoreIndex = MLP.intScalar("ignore_index");
        Map<String, Variable> acts = new LinkedHashMap<>();
        Variable normed = NormFns.layerNorm(p.get("x"), p.get("ln.weight"), p.get("ln.bias"), MLP.scalar("ln.eps"));
        Variable pre = MatmulFns.linear(normed, p.get("fc1.weight"), p.get("fc1.bias"));      // [6, 16]
        Variable act = ActivationFns.gelu(pre, gelu);                                          // [6, 16]
        Variable logits = MatmulFns.linear(act, p.get("fc2.weight"), p.get("fc2.bias"));      // [6, 5]
        Variable loss = LossFns.crossEntropy(logits, targets, ignoreIndex);                   // []
        acts.put("normed", normed);
        acts.put("pre", pre);
        acts.put("act", act);
        acts.put("logits", logits);
        acts.put("loss", loss);
        return acts;
    }

    private static String mlpCase(Gelu gelu) {
        return gelu == Gelu.TANH ? "tanh" : "exact";
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void mlpForwardAndEveryGradientMatchPytorchInF64(Gelu gelu) {
        String c = mlpCase(gelu);
        Map<String, Variable> p = mlpLeaves(DType.F64);
        Map<String, Variable> acts = mlpForward(p, gelu);
        acts.get("loss").backward();

        GoldenFile.Comparison cmp = new GoldenFile.Comparison("mlp " + c + " f64", F64_TOL, FLOOR_FRACTION);
        for (Map.Entry<String, Variable> a : acts.entrySet()) {
            cmp.check(c + "." + a.getKey(), a.getValue().value(), MLP.f64(c + "." + a.getKey()));
        }
        for (String leaf : MLP_LEAVES) {
            cmp.check(c + ".grad." + leaf, p.get(leaf).grad(), MLP.f64(c + ".grad." + leaf));
        }
        cmp.assertAllPassed();
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void mlpLossAndEveryGradientMatchPytorchInF32(Gelu gelu) {
        String c = mlpCase(gelu);
        Map<String, Variable> p = mlpLeaves(DType.F32);
        Map<String, Variable> acts = mlpForward(p, gelu);
        Variable loss = acts.get("loss");
        assertEquals(DType.F32, loss.value().dtype(), "an F32 model gives an F32 loss");
        loss.backward();

        GoldenFile.Comparison cmp = new GoldenFile.Comparison("mlp " + c + " f32", F32_TOL, FLOOR_FRACTION);
        cmp.check(c + ".logits", acts.get("logits").value(), MLP.f64(c + ".logits"));
        cmp.check(c + ".loss", loss.value(), MLP.f64(c + ".loss"));
        for (String leaf : MLP_LEAVES) {
            Tensor g = p.get(leaf).grad();
            assertEquals(DType.F32, g.dtype(), "gradient of " + leaf + " keeps the parameter's dtype");
            cmp.check(c + ".grad." + leaf, g, MLP.f64(c + ".grad." + leaf));
        }
        cmp.assertAllPassed();
    }

    // ---------------------------------------------------------------- attention

    private static Map<String, Variable> attentionLeaves(DType dtype) {
        Map<String, Variable> leaves = new LinkedHashMap<>();
        for (String name : ATTENTION_LEAVES) {
            leaves.put(name, Variable.parameter(ATTENTION.f64(name).to(dtype), name));
        }
        return leaves;
    }

    /** [B, T, C] → [B, H, T, D], as PyTorch's view(B, T, H, D).transpose(1, 2). */
    private static Variable splitHeads(Variable x, int heads) {
        int[] s = x.shape();
        return ShapeFns.transpose(ShapeFns.reshape(x, s[0], s[1], heads, s[2] / heads), 1, 2);
    }

    /** Attention paths: matmul + where + softmax, sdpa with causal = true, sdpa with an additive −∞ mask. */
    private static final String PRIMITIVES = "primitives";
    private static final String SDPA_CAUSAL = "sdpa causal";
    private static final String SDPA_MASK = "sdpa mask";

    /** [T, T] with {@code inside} where key ≤ query and {@code outside} above the diagonal. */
    private static Tensor causalTable(DType dtype, int t, double inside, double outside) {
        Tensor m = Tensor.full(dtype, outside, t, t);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                m.set(inside, i, j);
            }
        }
        return m;
    }

    /** The attention block computed along {@code path}; returns the activations by golden name. */
    private static Map<String, Variable> attentionForward(Map<String, Variable> p, String path) {
        Variable x = p.get("x");                                                     // [B, T, C]
        DType dtype = x.value().dtype();
        int b = x.shape()[0];
        int t = x.shape()[1];
        int c = x.shape()[2];
        int heads = 2;
        int d = c / heads;
        Variable qkv = MatmulFns.linear(x, p.get("qkv.weight"), p.get("qkv.bias"));  // [B, T, 3C]
        Variable[] parts = IndexFns.split(qkv, 2, c, c, c);                          // 3 × [B, T, C]
        Variable q = splitHeads(parts[0], heads);                                    // [B, H, T, D]
        Variable k = splitHeads(parts[1], heads);
        Variable v = splitHeads(parts[2], heads);

        Map<String, Variable> acts = new LinkedHashMap<>();
        acts.put("qkv", qkv);
        acts.put("q", q);
        acts.put("k", k);
        acts.put("v", v);
        Variable y;                                                                  // [B, H, T, D]
        switch (path) {
            case SDPA_CAUSAL -> y = AttentionFns.sdpa(q, k, v, true, null);
            case SDPA_MASK -> y = AttentionFns.sdpa(q, k, v, false,
                    causalTable(dtype, t, 0, Double.NEGATIVE_INFINITY));             // additive [T, T]
            case PRIMITIVES -> {
                Variable scores = ElementwiseFns.mul(
                        MatmulFns.matmul(q, ShapeFns.transpose(k, 2, 3)), 1 / Math.sqrt(d));  // [B, H, T, T]
                Variable minusInf = Variable.constant(Tensor.scalar(dtype, Double.NEGATIVE_INFINITY));
                Variable probs = SoftmaxFns.softmax(
                        ElementwiseFns.where(causalTable(dtype, t, 1, 0), scores, minusInf), -1);
                acts.put("probs", probs);
                y = MatmulFns.matmul(probs, v);
            }
            default -> throw new IllegalArgumentException("unknown attention path " + path);
        }
        Variable merged = ShapeFns.reshape(ShapeFns.transpose(y, 1, 2), b, t, c);   // [B, T, C]
        Variable out = MatmulFns.linear(merged, p.get("proj.weight"), p.get("proj.bias"));
        Variable loss = ReduceFns.mean(ElementwiseFns.square(out));
        acts.put("merged", merged);
        acts.put("out", out);
        acts.put("loss", loss);
        return acts;
    }

    private static void checkAttention(String path, DType dtype, double tol) {
        Map<String, Variable> p = attentionLeaves(dtype);
        Map<String, Variable> acts = attentionForward(p, path);
        acts.get("loss").backward();

        GoldenFile.Comparison cmp = new GoldenFile.Comparison(
                "attention " + path + " " + dtype, tol, FLOOR_FRACTION);
        for (Map.Entry<String, Variable> a : acts.entrySet()) {
            cmp.check(a.getKey(), a.getValue().value(), ATTENTION.f64(a.getKey()));
        }
        for (String leaf : ATTENTION_LEAVES) {
            cmp.check("grad." + leaf, p.get(leaf).grad(), ATTENTION.f64("grad." + leaf));
        }
        cmp.assertAllPassed();
    }

    @Test
    void attentionFromPrimitivesMatchesPytorchInF64() {
        checkAttention(PRIMITIVES, DType.F64, F64_TOL);
    }

    @Test
    void attentionWithCausalSdpaMatchesPytorchInF64() {
        checkAttention(SDPA_CAUSAL, DType.F64, F64_TOL);
    }

    @Test
    void attentionWithSdpaAndAdditiveMaskMatchesPytorchInF64() {
        checkAttention(SDPA_MASK, DType.F64, F64_TOL);
    }

    @Test
    void attentionWithCausalSdpaMatchesPytorchInF32() {
        checkAttention(SDPA_CAUSAL, DType.F32, F32_TOL);
    }

    // ---------------------------------------------------------------- the golden files themselves

    @Test
    void goldenFilesHoldAGradientForEveryLeaf() {
        for (String c : new String[] {"tanh", "exact"}) {
            for (String leaf : MLP_LEAVES) {
                assertEquals(Arrays.toString(MLP.entry(leaf).shape()),
                        Arrays.toString(MLP.entry(c + ".grad." + leaf).shape()), c + ".grad." + leaf);
            }
        }
        for (String leaf : ATTENTION_LEAVES) {
            assertEquals(Arrays.toString(ATTENTION.entry(leaf).shape()),
                    Arrays.toString(ATTENTION.entry("grad." + leaf).shape()), "grad." + leaf);
        }
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

class ParameterRoutingTest {

    /** A GPT-2-like model with C = 8, vocabulary 32, context 16: name → shape. */
    static List<Variable> gptLikeParameters() {
        List<Variable> ps = new ArrayList<>();
        ps.add(Variable.parameter(Tensor.zeros(32, 8), "wte.weight"));
        ps.add(Variable.parameter(Tensor.zeros(16, 8), "wpe.weight"));
        ps.add(Variable.parameter(Tensor.zeros(8), "blocks.0.ln1.weight"));
        ps.add(Variable.parameter(Tensor.zeros(8), "blocks.0.ln1.bias"));
        ps.add(Variable.parameter(Tensor.zeros(8, 24), "blocks.0.attn.qkv.weight"));
        ps.add(Variable.parameter(Tensor.zeros(24), "blocks.0.attn.qkv.bias"));
        ps.add(Variable.parameter(Tensor.zeros(8, 8), "blocks.0.attn.proj.weight"));
        ps.add(Variable.parameter(Tensor.zeros(8, 32), "blocks.0.mlp.fc.weight"));
        ps.add(Variable.parameter(Tensor.zeros(32, 8), "blocks.0.mlp.proj.weight"));
        ps.add(Variable.parameter(Tensor.zeros(8), "ln_f.weight"));
        ps.add(Variable.parameter(Tensor.zeros(8), "ln_f.bias"));
        ps.add(Variable.parameter(Tensor.zeros(8, 32), "lm_head.weight"));
        return ps;
    }

    private static List<String> names(List<Variable> ps) {
        return ps.stream().map(Variable::name).toList();
    }

    @Test
    void defaultSendsHiddenMatricesToTheMethodAndEverythingElseToTheFallback() {
        ParameterRouting.Split split = ParameterRouting.byDefault(gptLikeParameters());
        assertEquals(List.of("blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc.weight",
                "blocks.0.mlp.proj.weight"), names(split.main()));
        assertEquals(List.of("wte.weight", "wpe.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias",
                "blocks.0.attn.qkv.bias", "ln_f.weight", "ln_f.bias", "lm_head.weight"), names(split.fallback()));
    }

    @Test
    void mofasgdAllSendsEveryMatrixToMoFaSgdAndOnlyVectorsToAdamW() {
        ParameterRouting.Split split = ParameterRouting.split(gptLikeParameters(), ParameterRouting::isMatrix);
        assertEquals(List.of("wte.weight", "wpe.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight",
                "blocks.0.mlp.fc.weight", "blocks.0.mlp.proj.weight", "lm_head.weight"), names(split.main()));
        assertEquals(List.of("blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.attn.qkv.bias", "ln_f.weight",
                "ln_f.bias"), names(split.fallback()));
        CompositeOptimizer opt = (CompositeOptimizer) Optimizers.create(
                new Optimizers.Spec("mofasgd-all", 0.01, 0.0, 0.99, 2, 1e-3, false), gptLikeParameters());
        assertEquals(2, opt.parts().size());
        assertEquals(MoFaSgd.class, opt.parts().get(0).getClass());
        assertEquals(AdamW.class, opt.parts().get(1).getClass());
    }

    @Test
    void aRoutedOptimizerLeavesOutASideWithNoParameters() {
        Variable hidden = Variable.parameter(Tensor.zeros(8, 8), "blocks.0.mlp.fc.weight");
        Variable vector = Variable.parameter(Tensor.zeros(8), "blocks.0.mlp.fc.bias");
        for (String name : List.of("mofasgd", "galore", "muon")) {
            CompositeOptimizer onlyHidden = (CompositeOptimizer) Optimizers.create(
                    new Optimizers.Spec(name, 0.01, 0.0, 0.99, 2, 1e-3, false), List.of(hidden));
            assertEquals(1, onlyHidden.parts().size(), name + " on one hidden matrix");
            CompositeOptimizer onlyVector = (CompositeOptimizer) Optimizers.create(
                    new Optimizers.Spec(name, 0.01, 0.0, 0.99, 2, 1e-3, false), List.of(vector));
            assertEquals(AdamW.class, onlyVector.parts().getFirst().getClass(), name + " on one vector");
        }
    }

    @Test
    void llamaStyleEmbeddingAndHeadNamesFallBackWhateverTheirCase() {
        List<Variable> ps = List.of(
                Variable.parameter(Tensor.zeros(32, 8), "model.embed_tokens.weight"),
                Variable.parameter(Tensor.zeros(8, 8), "model.layers.0.self_attn.q_proj.weight"),
                Variable.parameter(Tensor.zeros(32, 8), "Output_Projection.weight"),
                Variable.parameter(Tensor.zeros(32, 8), "gpt_neox.embed_out.weight"));
        ParameterRouting.Split split = ParameterRouting.byDefault(ps);
        assertEquals(List.of("model.layers.0.self_attn.q_proj.weight"), names(split.main()));
        assertEquals(List.of("model.embed_tokens.weight", "Output_Projection.weight", "gpt_neox.embed_out.weight"),
                names(split.fallback()));
    }

    @Test
    void nonMatricesFallBackEvenWithHiddenNames() {
        List<Variable> ps = List.of(
                Variable.parameter(Tensor.zeros(2, 3, 4), "blocks.0.conv.weight"),
                Variable.parameter(Tensor.scalar(1), "blocks.0.gain"));
        ParameterRouting.Split split = ParameterRouting.byDefault(ps);
        assertEquals(List.of(), split.main());
        assertEquals(List.of("blocks.0.conv.weight", "blocks.0.gain"), names(split.fallback()));
    }

    @Test
    void parametersThatDoNotRequireGradAreLeftOut() {
        Variable frozen = Variable.constant(Tensor.zeros(8, 8)).named("blocks.0.frozen.weight");
        Variable live = Variable.parameter(Tensor.zeros(8, 8), "blocks.0.live.weight");
        ParameterRouting.Split split = ParameterRouting.byDefault(List.of(frozen, live));
        assertEquals(List.of("blocks.0.live.weight"), names(split.main()));
        assertEquals(List.of(), split.fallback());
    }

    @Test
    void customPolicyKeepsInputOrder() {
        ParameterRouting.Split split = ParameterRouting.split(gptLikeParameters(),
                p -> p.name().contains("attn") || p.name().contains("mlp"));
        assertEquals(List.of("blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight",
                "blocks.0.mlp.fc.weight", "blocks.0.mlp.proj.weight"), names(split.main()));
        assertEquals(7, split.fallback().size());
    }
}

package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/** A state dict that does not fit the parameters is refused before anything changes. */
class LoadedStateCheckTest {
    @Test
    void wrongShapedAdamMomentIsRefusedAndTheOldStateKept() {
        Variable w = Variable.parameter(Tensor.zeros(2, 3), "w");
        AdamW opt = new AdamW(List.of(w), AdamW.Config.defaults(0.1));
        w.setGrad(Tensor.ones(2, 3));
        opt.step();
        Map<String, Tensor> good = new LinkedHashMap<>();
        opt.stateDict().forEach((k, v) -> good.put(k, v.copy()));
        Map<String, Tensor> bad = new LinkedHashMap<>(good);
        bad.put("w.m", Tensor.zeros(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        assertTrue(e.getMessage().contains("w.m") && e.getMessage().contains("[3, 2]"), e.getMessage());
        assertArrayEquals(good.get("w.m").toFloatArray(), opt.stateDict().get("w.m").toFloatArray());
        Map<String, Tensor> wrongType = new LinkedHashMap<>(good);
        wrongType.put("w.v", Tensor.zeros(DType.F64, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(wrongType));
    }

    @Test
    void wrongShapedSgdMomentumIsRefused() {
        Variable w = Variable.parameter(Tensor.zeros(4), "w");
        Sgd opt = new Sgd(List.of(w), Sgd.Config.momentum(0.1));
        Map<String, Tensor> bad = Map.of("w.step", Tensor.scalar(DType.F64, 1), "w.momentum", Tensor.zeros(5));
        assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
    }
}

package org.mofa4j.gpu.tornado;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgd;
import org.mofa4j.tensor.Tensor;

/**
 * MoFaSGD steps with W resident on the device ({@link DeviceMoFaSgd}) against {@code optim.MoFaSgd} on the CPU,
 * odd sizes. Both start from the CPU's first step (its top-r SVD initialisation), then take 4 more steps on the
 * same gradients. Compared: W and the momentum U·diag(S)·Vᵀ (the factors themselves are defined up to column
 * signs). Tolerance 1e-4 relative to max(1, |x|): fp32 products, two QR algorithms (explicit Q on the device path,
 * Householder reflectors on the CPU).
 */
class MoFaSgdParityTest {

    @Test
    void fourResidentStepsMatchTheCpuOptimizer() {
        check(67, 45, 4);
        check(33, 130, 3);
    }

    private static void check(int m, int n, int r) {
        Random rnd = new Random(m * 31L + n);
        double lr = 0.05;
        Variable p = Variable.parameter(UniformData.tensor(rnd, m, n), "w");
        MoFaSgd cpu = new MoFaSgd(List.of(p), MoFaSgd.Config.paper(lr, r));
        p.setGrad(UniformData.tensor(rnd, m, n));
        cpu.step();                                              // initialisation + first step, on the CPU
        MoFaSgd.Factors f = cpu.factors(p);
        try (DeviceMoFaSgd dev = new DeviceMoFaSgd(p.value().toFloatArray(), m, n, f.u().toFloatArray(),
                f.s().toFloatArray(), f.v().toFloatArray(), r, lr, 0.9, 1.0, 1e-8, TornadoRuntime.defaultDevice())) {
            for (int step = 0; step < 4; step++) {
                Tensor grad = UniformData.tensor(rnd, m, n);
                p.setGrad(grad);
                cpu.step();
                dev.step(grad.toFloatArray(), 1.0);
            }
            String shape = m + "x" + n + " r" + r;
            ParityCheck.close("MoFaSGD W after 4 device steps " + shape, p.value(),
                    Tensor.wrap(dev.weights(), m, n), 1e-4);
            Tensor momentum = Tensor.wrap(dev.u(), m, r).mul(Tensor.wrap(dev.s(), r))
                    .matmul(Tensor.wrap(dev.v(), n, r).t());
            ParityCheck.close("MoFaSGD momentum U·S·Vᵀ " + shape, cpu.factors(p).momentum(), momentum, 1e-4);
            System.out.printf("MoFaSGD %s: %,d bytes moved in 4 steps (W is %,d bytes); host QR+SVD %.2f ms, "
                    + "device graphs %.2f ms per step%n", shape, dev.bytesMoved(), 4L * m * n,
                    dev.hostNanos() / 4e6, dev.deviceNanos() / 4e6);
        }
    }
}

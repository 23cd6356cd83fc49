package org.mofa4j.gpu.tornado.resident;

import org.mofa4j.gpu.tornado.TornadoRuntime;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.train.DeviceTrainer;
import org.mofa4j.nn.train.DeviceTrainerProvider;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.StatefulOptimizer;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * The {@code gpu} device's resident trainer ({@link ResidentGpt}), registered in
 * {@code META-INF/services/org.mofa4j.nn.train.DeviceTrainerProvider} of the {@code -Ptornado} build. It takes
 * AdamW over all of a GPT's parameters, dropout 0 and one micro-batch per step; anything else is refused with the
 * reason, and the training command then runs the per-product offload path and says so.
 */
public final class ResidentTrainerProvider implements DeviceTrainerProvider {
    @Override
    public String device() {
        return "gpu";
    }

    @Override
    public String unsupportedReason(Gpt model, StatefulOptimizer optimizer, TrainConfig config) {
        if (!(optimizer instanceof AdamW adamW)) {
            return "the resident step runs AdamW only, the optimizer is " + optimizer.name();
        }
        if (model.config().dropout() != 0) {
            return "dropout " + model.config().dropout() + ": the resident step supports dropout 0 only";
        }
        if (config.accumulation() != 1) {
            return "accumulation " + config.accumulation() + ": the resident step runs one micro-batch per step";
        }
        try {
            new ParameterLayout(model, adamW);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    @Override
    public DeviceTrainer open(Gpt model, StatefulOptimizer optimizer, TrainConfig config) {
        String reason = unsupportedReason(model, optimizer, config);
        if (reason != null) {
            throw new IllegalArgumentException("resident GPT: " + reason);
        }
        TornadoDevice device = TornadoRuntime.defaultDevice();
        ResidentGpt gpt = new ResidentGpt(model, (AdamW) optimizer, config.batchSize(), config.context(), device);
        return new ResidentTrainer(gpt, device.getDeviceName());
    }
}

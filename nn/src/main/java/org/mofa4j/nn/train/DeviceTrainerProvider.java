package org.mofa4j.nn.train;

import org.mofa4j.nn.Gpt;
import org.mofa4j.optim.StatefulOptimizer;

/**
 * Opens {@link DeviceTrainer}s for one device, found by {@link java.util.ServiceLoader} (a module that implements
 * it lists its class in {@code META-INF/services/org.mofa4j.nn.train.DeviceTrainerProvider}); see
 * {@link DeviceTrainers}. The device itself is opened and checked through the tensor module's backend seam first,
 * so a provider may assume its runtime is present.
 */
public interface DeviceTrainerProvider {
    /** The device name, as given to {@code --device} (e.g. {@code "gpu"}). */
    String device();

    /**
     * Why this provider cannot train {@code model} with {@code optimizer} under {@code config} (e.g. "dropout 0.1:
     * the resident step supports dropout 0 only"), or null when it can.
     */
    String unsupportedReason(Gpt model, StatefulOptimizer optimizer, TrainConfig config);

    /**
     * A trainer holding {@code model}'s parameters and {@code optimizer}'s state (read now, including state loaded
     * from a checkpoint) on the device.
     *
     * @throws IllegalArgumentException with {@link #unsupportedReason}'s text when it is not null
     */
    DeviceTrainer open(Gpt model, StatefulOptimizer optimizer, TrainConfig config);
}

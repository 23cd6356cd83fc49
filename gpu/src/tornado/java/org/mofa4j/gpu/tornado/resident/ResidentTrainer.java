package org.mofa4j.gpu.tornado.resident;

import org.mofa4j.nn.data.Batch;
import org.mofa4j.nn.train.DeviceTrainer;

/** {@link DeviceTrainer} over a {@link ResidentGpt}: the {@code Trainer}'s view of the resident step. */
final class ResidentTrainer implements DeviceTrainer {
    private final ResidentGpt gpt;
    private final String deviceName;

    ResidentTrainer(ResidentGpt gpt, String deviceName) {
        this.gpt = gpt;
        this.deviceName = deviceName;
    }

    @Override
    public String description() {
        return String.format("AdamW on %s: %,d parameters, their gradients, both moments and the activations stay on "
                + "the device; %d kernels in %d task graphs built once; per step %,d bytes move (ids and targets up, "
                + "%d step scalars up, loss and gradient norm down)", deviceName, gpt.parameterCount(),
                gpt.taskCount(), gpt.graphCount(), gpt.bytesPerStep(), (gpt.bytesPerStep() - 8) / 4 - 2L * gpt.rows());
    }

    @Override
    public StepResult step(Batch batch, double lrScale, double clipNorm) {
        float[] r = gpt.step(batch.inputs().data(), batch.targets().data(), lrScale, clipNorm);
        boolean applied = Float.isFinite(r[0]) && Float.isFinite(r[1]);
        return new StepResult(r[0], r[1], applied);
    }

    @Override
    public void copyToHost() {
        gpt.copyToHost();
    }

    @Override
    public long bytesLastStep() {
        return gpt.bytesLastStep();
    }

    @Override
    public long bytesMoved() {
        return gpt.bytesMoved();
    }

    @Override
    public void close() {
        gpt.close();
    }
}

package org.mofa4j.nn.train;

import java.util.ServiceLoader;

/** Finds the {@link DeviceTrainerProvider} of a device on the class path. */
public final class DeviceTrainers {
    private DeviceTrainers() {}

    /** The provider for {@code device}, or null when none is on the class path. */
    public static DeviceTrainerProvider find(String device) {
        for (DeviceTrainerProvider p : ServiceLoader.load(DeviceTrainerProvider.class)) {
            if (p.device().equals(device)) {
                return p;
            }
        }
        return null;
    }
}

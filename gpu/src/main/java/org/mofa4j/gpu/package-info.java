/**
 * mofa4j gpu module: the {@code gpu} device of the tensor engine's backend seam
 * ({@link org.mofa4j.tensor.backend.BackendProvider}). The default build holds only {@link GpuBackendProvider},
 * which explains what is missing; the TornadoVM kernels and backend ({@code org.mofa4j.gpu.tornado}, source root
 * {@code src/tornado/java}) are compiled with {@code -Ptornado}.
 */
package org.mofa4j.gpu;

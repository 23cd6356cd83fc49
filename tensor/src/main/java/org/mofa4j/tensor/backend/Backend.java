package org.mofa4j.tensor.backend;

/**
 * Where the tensor engine's heavy kernels run. {@link Backends#cpu()} is the built-in one (the Vector API / scalar
 * kernels of {@code org.mofa4j.tensor.kernels}); other devices come from a {@link BackendProvider} found on the class
 * path (the {@code gpu} module's TornadoVM backend). The engine asks {@link Backends#active()} for each product and
 * hands it to the backend whole; a backend that declines a call ({@link #accepts}) leaves it to the CPU, and
 * {@code -Dmofa4j.log.device=true} logs which device ran each call, so nothing moves between devices unseen.
 *
 * <p>Implementations are thread-safe: the engine may call them from several threads.
 */
public interface Backend {

    /** The {@code --device} name this backend serves: {@code cpu}, {@code gpu}. */
    String device();

    /** One line naming the runtime and the device, e.g. {@code TornadoVM 5.2.0 OpenCL: NVIDIA H100}. */
    String description();

    /** Whether this backend runs a batch of {@code batches} products [m, k]·[k, n]; false leaves it to the CPU. */
    boolean accepts(int batches, int m, int n, int k);

    /**
     * {@code C_b (+)= A_b·B_b} in fp32 for every batch b, on strided views of host arrays (the contract of
     * {@code Gemm.sgemm}, one offset per batch): element (i, j) of A_b is {@code a[aOff[b] + i·aRs + j·aCs]}, and
     * likewise for B_b and C_b. Modified: c only. The caller has checked shapes, bounds and aliasing.
     */
    void sgemm(GemmBatch call);

    /** Bytes copied between host and device since start-up (0 for the CPU). */
    long bytesMoved();
}

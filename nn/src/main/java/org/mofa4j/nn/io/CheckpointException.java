package org.mofa4j.nn.io;

import java.nio.file.Path;

/**
 * A checkpoint file is malformed, corrupt or cannot hold what was asked of it. The message names the file and the
 * problem, e.g. {@code ckpt-000100.safetensors: checksum mismatch: the file is corrupt (...)}.
 *
 * <p>Input/output failures (disk full, permission denied) are not wrapped: they stay {@link java.io.IOException}s.
 */
public class CheckpointException extends RuntimeException {
    private final transient Path file;
    private final String problem;

    public CheckpointException(Path file, String problem) {
        this(file, problem, null);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file the problem was found in. */
    public Path file() {
        return file;
    }

    /** The problem alone, without the file name. */
    public String problem() {
        return problem;
    }
}

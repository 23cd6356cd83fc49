/**
 * Checkpoint files: the safetensors format ({@link org.mofa4j.nn.io.Safetensors}), read with full validation, and
 * crash-safe checkpoints on top of it ({@link org.mofa4j.nn.io.CheckpointFiles}: atomic replacement, SHA-256 of
 * the data, pruning of old checkpoints).
 */
package org.mofa4j.nn.io;

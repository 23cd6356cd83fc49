/**
 * A strict JSON (RFC 8259) reader and compact writer ({@link org.mofa4j.nn.json.Json}), shared by the tokenizers'
 * {@code toJson}/{@code fromJson} and the safetensors header. Duplicate keys are refused with a
 * {@link org.mofa4j.nn.json.DuplicateKeyException}.
 */
package org.mofa4j.nn.json;

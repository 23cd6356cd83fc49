package org.mofa4j.nn.json;

/**
 * Two members of one JSON object share a key. RFC 8259 leaves the meaning of such an object undefined; the
 * {@link Json} reader refuses it, because in a file it means two entries claim one name (two tensors in a
 * safetensors header, two fields of a tokenizer).
 *
 * <p>{@link #depth()} says where the object sits: 1 for the outermost value, 2 for an object inside it, and so on;
 * {@link #offset()} is the character offset of the second occurrence of the key.
 */
public final class DuplicateKeyException extends IllegalArgumentException {
    private final String key;
    private final int depth;
    private final int offset;

    DuplicateKeyException(String key, int depth, int offset) {
        super("JSON: duplicate key " + Json.quote(key) + " at offset " + offset);
        this.key = key;
        this.depth = depth;
        this.offset = offset;
    }

    /** The repeated key, decoded. */
    public String key() {
        return key;
    }

    /** The nesting depth of the object holding the key: 1 for the outermost value. */
    public int depth() {
        return depth;
    }

    /** The character offset of the opening quote of the second occurrence of the key. */
    public int offset() {
        return offset;
    }
}

package org.mofa4j.nn.data;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mofa4j.nn.json.Json;

/**
 * Restores any {@link Tokenizer} from its {@link Tokenizer#toJson()} form.
 *
 * <p>Every form is a JSON object with {@code "kind"} (one of {@code "byte"}, {@code "char"}, {@code "bpe"},
 * {@code "gpt2"}) and
 * {@code "version"} (currently 1), plus the fields of that kind:
 * <pre>
 *   {"kind":"byte","version":1}
 *   {"kind":"char","version":1,"codePoints":[10,32,33,...]}                      sorted, id = index
 *   {"kind":"bpe","version":1,"pretokenizer":"words","merges":[[97,97],[256,98],...]}   merge i makes id 256+i
 *   {"kind":"gpt2","version":1,"vocab":{"!":0,...},"merges":["Ġ t",...]}          see Gpt2Tokenizer
 * </pre>
 * Unknown extra fields are ignored, so later versions can add fields that older readers skip.
 */
public final class Tokenizers {
    /** The format version written by every tokenizer in this package. */
    static final int VERSION = 1;

    private Tokenizers() {
    }

    /**
     * The {@link Tokenizer#toJson()} form shared by every kind: an object with {@code "kind"}, {@code "version"}
     * ({@link #VERSION}), then {@code fields} in the order given, written as printable ASCII
     * ({@link Json.Escape#ASCII}) so it survives any byte encoding.
     */
    @SafeVarargs
    static String toJson(String kind, Map.Entry<String, ?>... fields) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("kind", kind);
        obj.put("version", VERSION);
        for (Map.Entry<String, ?> field : fields) {
            obj.put(field.getKey(), field.getValue());
        }
        return Json.write(obj, Json.Escape.ASCII);
    }

    /**
     * The tokenizer described by {@code json}.
     *
     * @throws IllegalArgumentException if the text is not valid JSON, the kind is unknown, the version is newer
     *     than this reader, or a field is missing or inconsistent; the message says which
     */
    public static Tokenizer fromJson(String json) {
        Map<String, Object> obj = Json.asObject(Json.parse(json), "Tokenizers.fromJson");
        String kind = Json.getString(obj, "kind", "Tokenizers.fromJson");
        String where = "Tokenizers.fromJson(kind \"" + kind + "\")";
        int version = Json.getInt(obj, "version", 1, Integer.MAX_VALUE, where);
        if (version > VERSION) {
            throw new IllegalArgumentException(where + ": version " + version + " is newer than this reader ("
                    + VERSION + ")");
        }
        return switch (kind) {
            case ByteTokenizer.KIND -> ByteTokenizer.INSTANCE;
            case CharTokenizer.KIND -> CharTokenizer.fromJsonObject(obj, where);
            case BpeTokenizer.KIND -> BpeTokenizer.fromJsonObject(obj, where);
            case Gpt2Tokenizer.KIND -> Gpt2Tokenizer.fromJsonObject(obj, where);
            default -> throw new IllegalArgumentException("Tokenizers.fromJson: unknown kind \"" + kind
                    + "\", expected one of \"byte\", \"char\", \"bpe\", \"gpt2\"");
        };
    }
}

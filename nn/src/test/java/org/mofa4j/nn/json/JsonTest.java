package org.mofa4j.nn.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reader accepts RFC 8259 exactly and refuses duplicate keys; the writer's output, in either escaping, reads
 * back to the same value.
 */
class JsonTest {
    /** The limit the safetensors reader uses; any small limit must be exact. */
    private static final int HEADER_DEPTH = 64;

    // ---------------------------------------------------------------- reading

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e2, true, false, null], \"b\": {\"c\": \"x\\ny\\u00e9\"},"
                + " \"d\": [] , \"e\": {}} ");
        Map<String, Object> obj = Json.asObject(v, "test");
        assertEquals(List.of("a", "b", "d", "e"), List.copyOf(obj.keySet()));
        List<?> a = (List<?>) obj.get("a");
        assertEquals(Arrays.asList(1L, -2L, 3.5, 100.0, true, false, null), a);
        assertEquals("x\nyé", Json.asObject(obj.get("b"), "b").get("c"));
        assertEquals(List.of(), obj.get("d"));
        assertEquals(Map.of(), obj.get("e"));
    }

    @Test
    void parsesEveryKindOfValueAsItsJavaType() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"b\": {\"c\": \"d\"}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(3.5, a.get(2));
        assertEquals(1000.0, a.get(3));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(Boolean.FALSE, a.get(5));
        assertNull(a.get(6));
        assertEquals(Map.of("c", "d"), m.get("b"));
    }

    @Test
    void keepsKeysInDocumentOrder() {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    }

    @Test
    void integerBeyondLongBecomesDouble() {
        assertEquals(1e20, Json.parse("100000000000000000000"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
    }

    @Test
    void integersBeyond64BitsBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
    }

    @Test
    void decodesEveryEscape() {
        assertEquals("\"\\/\b\f\n\r\té😀", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""));
    }

    @Test
    void rejectsMalformedInputNamingTheOffset() {
        assertError("", "input is empty");
        assertError("   ", "input is empty");
        assertError("{\"a\":1,}", "expected a string key at offset 7");
        assertError("[1,]", "expected a value at offset 3");
        assertError("{\"a\" 1}", "expected ':' at offset 5");
        assertError("[1 2]", "expected ',' or ']' at offset 3");
        assertError("\"abc", "expected a closing '\"' at offset 4");
        assertError("\"a\\qb\"", "expected a valid escape");
        assertError("\"a\\u12G4\"", "expected a hex digit");
        assertError("\"a\nb\"", "raw U+000A");
        assertError("{} x", "expected end of input at offset 3, found 'x'");
        assertError("01", "expected end of input at offset 1");
        assertError("-", "expected a digit at offset 1");
        assertError("1.", "expected a digit after '.'");
        assertError("1e", "expected a digit in the exponent");
        assertError("tru", "expected a value at offset 0");
        assertError("'a'", "expected a value at offset 0, found '''");
        assertError("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
    }

    @Test
    void rejectsWhatTheRfcRejects() {
        for (String bad : new String[] {"", "  ", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\" 1}", "01", "1.",
                "-", ".5", "1e", "tru", "\"tab\there\"", "\"\\x\"", "\"\\u12G4\"", "{} x", "{\"a\":1}{}", "NaN",
                "\"unterminated", "[1 2]", "{1:2}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON: "), e.getMessage());
        }
    }

    @Test
    void errorsNameTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1,}"));
        assertEquals("JSON: expected a string key at offset 7, found '}'", e.getMessage());
    }

    @Test
    void duplicateKeysAreRejectedWithTheirDepth() {
        DuplicateKeyException top = assertThrows(DuplicateKeyException.class,
                () -> Json.parse("{\"w\":1,\"w\":2}"));
        assertEquals("w", top.key());
        assertEquals(1, top.depth());
        DuplicateKeyException inner = assertThrows(DuplicateKeyException.class,
                () -> Json.parse("{\"w\":{\"dtype\":1,\"dtype\":2}}"));
        assertEquals(2, inner.depth());
    }

    @Test
    void duplicateKeyNamesTheOffsetOfItsSecondOccurrence() {
        DuplicateKeyException e = assertThrows(DuplicateKeyException.class, () -> Json.parse("{\"w\":1,\"w\":2}"));
        assertEquals(7, e.offset());
        assertEquals("JSON: duplicate key \"w\" at offset 7", e.getMessage());
    }

    @Test
    void refusesADepthLimitBelowOne() {
        assertMessage(() -> Json.parse("1", 0), "maxDepth must be at least 1, got 0");
        assertEquals(1L, Json.parse("1", 1));
        assertEquals(List.of(), Json.parse("[]", 1));
        assertMessage(() -> Json.parse("[1]", 1), "nesting deeper than 1");
    }

    @Test
    void rejectsNestingDeeperThanTheLimit() {
        String deep = "[".repeat(Json.DEFAULT_MAX_DEPTH + 1) + "]".repeat(Json.DEFAULT_MAX_DEPTH + 1);
        assertError(deep, "nesting deeper than " + Json.DEFAULT_MAX_DEPTH);
        String ok = "[".repeat(Json.DEFAULT_MAX_DEPTH - 1) + "]".repeat(Json.DEFAULT_MAX_DEPTH - 1);
        assertTrue(Json.parse(ok) instanceof List<?>);
    }

    @Test
    void nestingIsBounded() {
        String deep = "[".repeat(HEADER_DEPTH + 1) + "]".repeat(HEADER_DEPTH + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.parse(deep, HEADER_DEPTH));
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
        String ok = "[".repeat(HEADER_DEPTH) + "]".repeat(HEADER_DEPTH);
        Json.parse(ok, HEADER_DEPTH);
    }

    // ---------------------------------------------------------------- writing

    @Test
    void writeThenParseRoundTripsAwkwardStrings() {
        String awkward = "quote\" backslash\\ slash/ tab\t nl\n cr\r nul\0 bell\u0007 é 日本 😀 lone\uD800 end";
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("s", awkward);
        obj.put("ids", new int[] {0, -1, Integer.MAX_VALUE});
        obj.put("nested", List.of(List.of(1, 2), Map.of("k", true)));
        obj.put("nothing", null);
        String json = Json.write(obj, Json.Escape.ASCII);
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7F), "output is printable ASCII: " + json);
        Map<String, Object> back = Json.asObject(Json.parse(json), "test");
        assertEquals(awkward, back.get("s"));
        assertEquals(List.of(0L, -1L, (long) Integer.MAX_VALUE), back.get("ids"));
        assertEquals(List.of(List.of(1L, 2L), Map.of("k", true)), back.get("nested"));
        assertTrue(back.containsKey("nothing"));
        assertNull(back.get("nothing"));
    }

    @Test
    void writerRefusesValuesJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN, Json.Escape.ASCII));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object(), Json.Escape.ASCII));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2), Json.Escape.ASCII));
    }

    @Test
    void quoteEscapesOnlyQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001é😀/\"", Json.quote("a\"b\\c\n\u0001é😀/"));
        for (String s : new String[] {"", "plain", "\u0000\u001f\u007f", "ünï \"q\" \\", "\t\r\b\f"}) {
            assertEquals(s, Json.parse(Json.quote(s)));
        }
    }

    @Test
    void minimalEscapingLeavesNonAsciiAsItIsAndAsciiEscapesIt() {
        Map<String, Object> obj = Map.of("k", "é😀\u0001\u007f");
        assertEquals("{\"k\":\"é😀\\u0001\u007f\"}", Json.write(obj, Json.Escape.MINIMAL));
        assertEquals("{\"k\":\"\\u00e9\\ud83d\\ude00\\u0001\\u007f\"}", Json.write(obj, Json.Escape.ASCII));
        for (Json.Escape escape : Json.Escape.values()) {
            assertEquals(obj, Json.parse(Json.write(obj, escape)), escape.name());
        }
    }

    @Test
    void writerRefusesNumbersItWouldTruncate() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(new BigDecimal("1.5"),
                Json.Escape.ASCII));
        assertEquals("[1,2,3,4]", Json.write(List.of(1L, 2, (short) 3, (byte) 4), Json.Escape.ASCII));
    }

    // ---------------------------------------------------------------- typed access

    @Test
    void typedAccessorsNameTheField() {
        Map<String, Object> obj = Json.asObject(Json.parse("{\"n\": 3.5, \"s\": 1, \"big\": 99999999999}"), "t");
        assertMessage(() -> Json.getString(obj, "missing", "where"), "where: missing field \"missing\"");
        assertMessage(() -> Json.getString(obj, "s", "where"), "field \"s\" must be a string, got 1");
        assertMessage(() -> Json.getInt(obj, "n", 0, 10, "where"), "field \"n\" must be an integer in [0, 10]");
        assertMessage(() -> Json.getInt(obj, "big", 0, Integer.MAX_VALUE, "where"), "got 99999999999");
        assertMessage(() -> Json.asObject(List.of(), "where"), "where: expected a JSON object, got an array");
    }

    private static void assertError(String json, String expected) {
        assertMessage(() -> Json.parse(json), expected);
    }

    private static void assertMessage(Runnable r, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" should contain \""
                + expected + "\"");
    }
}

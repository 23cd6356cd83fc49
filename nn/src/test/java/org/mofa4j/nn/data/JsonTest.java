package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The minimal JSON reader accepts RFC 8259 exactly, and the writer's output reads back to the same value. */
class JsonTest {

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
    void integerBeyondLongBecomesDouble() {
        assertEquals(1e20, Json.parse("100000000000000000000"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
    }

    @Test
    void writeThenParseRoundTripsAwkwardStrings() {
        String awkward = "quote\" backslash\\ slash/ tab\t nl\n cr\r nul\0 bell\u0007 é 日本 😀 lone\uD800 end";
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("s", awkward);
        obj.put("ids", new int[] {0, -1, Integer.MAX_VALUE});
        obj.put("nested", List.of(List.of(1, 2), Map.of("k", true)));
        obj.put("nothing", null);
        String json = Json.write(obj);
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7F), "output is printable ASCII: " + json);
        Map<String, Object> back = Json.asObject(Json.parse(json), "test");
        assertEquals(awkward, back.get("s"));
        assertEquals(List.of(0L, -1L, (long) Integer.MAX_VALUE), back.get("ids"));
        assertEquals(List.of(List.of(1L, 2L), Map.of("k", true)), back.get("nested"));
        assertTrue(back.containsKey("nothing"));
        assertNull(back.get("nothing"));
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
    void rejectsNestingDeeperThanTheLimit() {
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertError(deep, "nesting deeper than " + Json.MAX_DEPTH);
        String ok = "[".repeat(Json.MAX_DEPTH - 1) + "]".repeat(Json.MAX_DEPTH - 1);
        assertTrue(Json.parse(ok) instanceof List<?>);
    }

    @Test
    void writerRefusesValuesJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    }

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

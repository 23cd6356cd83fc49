package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header's JSON reader accepts RFC 8259 exactly; the quoter's output parses back to the same string. */
class HeaderJsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = HeaderJson.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"b\": {\"c\": \"d\"}} ");
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
        Map<?, ?> m = (Map<?, ?>) HeaderJson.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    }

    @Test
    void integersBeyond64BitsBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, HeaderJson.parse("9223372036854775807"));
        assertEquals(9.223372036854775808E18, HeaderJson.parse("9223372036854775808"));
    }

    @Test
    void decodesEveryEscape() {
        assertEquals("\"\\/\b\f\n\r\té😀", HeaderJson.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""));
    }

    @Test
    void rejectsWhatTheRfcRejects() {
        for (String bad : new String[] {"", "  ", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\" 1}", "01", "1.",
                "-", ".5", "1e", "tru", "\"tab\there\"", "\"\\x\"", "\"\\u12G4\"", "{} x", "{\"a\":1}{}", "NaN",
                "\"unterminated", "[1 2]", "{1:2}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeaderJson.parse(bad),
                    bad);
            assertTrue(e.getMessage().startsWith("JSON: "), e.getMessage());
        }
    }

    @Test
    void errorsNameTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeaderJson.parse("{\"a\":1,}"));
        assertEquals("JSON: expected a string key at offset 7, found '}'", e.getMessage());
    }

    @Test
    void duplicateKeysAreRejectedWithTheirDepth() {
        HeaderJson.DuplicateKeyException top = assertThrows(HeaderJson.DuplicateKeyException.class,
                () -> HeaderJson.parse("{\"w\":1,\"w\":2}"));
        assertEquals("w", top.key);
        assertEquals(1, top.depth);
        HeaderJson.DuplicateKeyException inner = assertThrows(HeaderJson.DuplicateKeyException.class,
                () -> HeaderJson.parse("{\"w\":{\"dtype\":1,\"dtype\":2}}"));
        assertEquals(2, inner.depth);
    }

    @Test
    void nestingIsBounded() {
        String deep = "[".repeat(HeaderJson.MAX_DEPTH + 1) + "]".repeat(HeaderJson.MAX_DEPTH + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeaderJson.parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
        String ok = "[".repeat(HeaderJson.MAX_DEPTH) + "]".repeat(HeaderJson.MAX_DEPTH);
        HeaderJson.parse(ok);
    }

    @Test
    void quoteEscapesOnlyQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001é😀/\"", HeaderJson.quote("a\"b\\c\n\u0001é😀/"));
        for (String s : new String[] {"", "plain", "\u0000\u001f\u007f", "ünï \"q\" \\", "\t\r\b\f"}) {
            assertEquals(s, HeaderJson.parse(HeaderJson.quote(s)));
        }
    }
}

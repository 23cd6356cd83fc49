package org.mofa4j.nn.data;

import java.util.List;

/** Strings every tokenizer must round-trip: ASCII, Unicode of every width, emoji, whitespace runs, empty. */
final class TokenizerTestStrings {
    static final List<String> ROUND_TRIP = List.of(
            "",
            "a",
            "Hello, world!",
            "First Citizen:\nBefore we proceed any further, hear me speak.\n\n",
            "   leading and trailing   ",
            "tabs\t\tand\r\nCRLF and \u00a0no-break\u2003em space",
            "\n\n\n\n",
            " ",
            "naïve café, Ærøskøbing, straße, ΚΑΛΗΜΈΡΑ, Привет, 日本語のテキスト, 한국어, עברית, العربية",
            "e\u0301 combining accent, Z\u0351\u036b\u0303algo",
            "emoji 😀👍🏽 👨‍👩‍👧 🇳🇿 and symbols ∑∫√ ← → ♠ €100",
            "numbers 1234567890 3.14159 -42 1e-9",
            "mixed😀ab😀😀 \t😀");

    private TokenizerTestStrings() {
    }
}

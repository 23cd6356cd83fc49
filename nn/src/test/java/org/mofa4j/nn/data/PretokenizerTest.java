package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pretokenizers cut text into pieces that concatenate back to it. */
class PretokenizerTest {

    @Test
    void wordsFollowTheDocumentedExample() {
        assertEquals(List.of("Hi", " ", " there", ",", "\n\n", "you"), Pretokenizer.WORDS.split("Hi  there,\n\nyou"));
    }

    @Test
    void wordsSeparateLettersDigitsAndPunctuation() {
        assertEquals(List.of("First", " Citizen", ":", "\n"), Pretokenizer.WORDS.split("First Citizen:\n"));
        assertEquals(List.of("don", "'", "t", " 42", "nd", " ...", " café\u0301", "\t "),
                Pretokenizer.WORDS.split("don't 42nd ... café\u0301\t "));
        assertEquals(List.of(" 😀👍", " \n "), Pretokenizer.WORDS.split(" 😀👍 \n "));
    }

    @Test
    void gpt2SplitsContractionsAndKeepsOneSpaceBeforeAWord() {
        // only lowercase contractions are pieces of their own: "'T" is punctuation then a letter
        assertEquals(List.of("I", "'m", " sure", " they", "'ll", " say", " don", "'t", " DON", "'", "T"),
                Pretokenizer.GPT2.split("I'm sure they'll say don't DON'T"));
        // "\n\n" before a word: the look-ahead leaves the last newline to a piece of its own
        assertEquals(List.of("a", "  ", " b", "\n", "\n", "c", " 42", "nd", " ...!"),
                Pretokenizer.GPT2.split("a   b\n\nc 42nd ...!"));
        // a trailing whitespace run stays whole; "\t " before a word gives up its last character only
        assertEquals(List.of("x", "\t", " y", "  "), Pretokenizer.GPT2.split("x\t y  "));
        assertEquals(List.of(" café", "\u0301", " 😀👍"), Pretokenizer.GPT2.split(" café\u0301 😀👍"));
    }

    @Test
    void noneKeepsTheTextWhole() {
        assertEquals(List.of("a b\n c"), Pretokenizer.NONE.split("a b\n c"));
        assertEquals(List.of(), Pretokenizer.NONE.split(""));
        assertEquals(List.of(), Pretokenizer.WORDS.split(""));
    }

    @Test
    void piecesConcatenateToTheText() {
        Random r = new Random(3);
        String alphabet = "ab Z9 \n\t.,'é😀\u0301\u00a0";
        for (int trial = 0; trial < 200; trial++) {
            String text = BpeTokenizerTest.randomText(r, alphabet, r.nextInt(40));
            for (Pretokenizer pre : Pretokenizer.values()) {
                List<String> pieces = pre.split(text);
                assertEquals(text, String.join("", pieces));
                pieces.forEach(p -> assertEquals(false, p.isEmpty()));
            }
        }
    }
}

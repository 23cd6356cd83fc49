package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in corpus loads from the classpath and is real, sizeable English text with its sources beside it. */
class BuiltInCorpusTest {

    @Test
    void loadsOnceAndIsLargeEnoughToLearnFrom() {
        String text = BuiltInCorpus.text();
        assertSame(text, BuiltInCorpus.text());
        assertTrue(text.length() >= 50_000, "at least ~50 KB, got " + text.length());
        assertTrue(text.length() <= 200_000, "at most ~200 KB, got " + text.length());
        assertTrue(text.lines().count() > 1000);
    }

    @Test
    void isPlainAsciiWithUnixLineEnds() {
        String text = BuiltInCorpus.text();
        assertTrue(text.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c < 0x7F)), "printable ASCII only");
        assertFalse(text.contains("\r"));
        assertTrue(text.endsWith("\n"));
    }

    @Test
    void hasACharacterVocabularyLikeTinyShakespeare() {
        int vocab = CharTokenizer.fromCorpus(BuiltInCorpus.text()).vocabSize();
        assertTrue(vocab >= 50 && vocab <= 100, "distinct characters: " + vocab);
    }

    @Test
    void isEnglishProseAndVerse() {
        String text = BuiltInCorpus.text();
        for (String phrase : List.of("Shall I compare thee to a summer's day?", "In the beginning God created",
                "We hold these truths to be self-evident", "Alice was beginning to get very tired",
                "Quoth the Raven \"Nevermore.\"", "To be, or not to be: that is the question:")) {
            assertTrue(text.contains(phrase), phrase);
        }
        long words = text.split("\\s+").length;
        assertTrue(words > 15_000, "words: " + words);
        // English: "the" is the most frequent word.
        assertTrue(text.split("\\bthe\\b", -1).length - 1 > 1000);
    }

    @Test
    void sourcesNameEveryWorkAndThePublicDomainBasis() {
        String sources = BuiltInCorpus.sources();
        for (String work : List.of("Shakespeare", "King James Version", "Declaration of Independence", "Lincoln",
                "Lewis Carroll", "Poe", "Blake", "Wordsworth", "Shelley", "Keats", "Coleridge", "Byron", "Burns",
                "Tennyson", "Whitman", "Donne", "Milton", "Herrick", "Gray")) {
            assertTrue(sources.contains(work), work);
        }
        assertTrue(sources.contains("public domain"));
    }

    @Test
    void trainsATokenizerAndSplits() {
        TextDataset ds = TextDataset.builtIn(CharTokenizer.fromCorpus(BuiltInCorpus.text()));
        TextDataset.Split split = ds.split();
        assertEquals(ds.tokens().size(), split.train().size() + split.validation().size());
        new BatchSampler(split.validation(), 8, 256, 0).next();
    }
}

package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** BPE on the full tinyshakespeare (1.1 MB) to 512 tokens: fast, compressing, and lossless. Run with -Pslow. */
@Tag("slow")
class TinyShakespeareBpeTest {
    /** Surefire runs with the module directory as the working directory; the data lies beside the repository. */
    private static final Path DATA = Path.of("../../shared/data/tinyshakespeare.txt");

    @Test
    void trainsTo512TokensQuicklyAndRoundTrips() {
        assumeTrue(Files.isRegularFile(DATA), "tinyshakespeare not found at " + DATA.toAbsolutePath());
        String text = TextDataset.readText(DATA);
        long t0 = System.nanoTime();
        BpeTokenizer tok = BpeTokenizer.train(text, 512);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        int[] ids = tok.encode(text);
        double encodeSeconds = (System.nanoTime() - t1) / 1e9;
        double bytesPerToken = text.getBytes(StandardCharsets.UTF_8).length / (double) ids.length;
        System.out.printf("tinyshakespeare BPE 512: train %.2f s, encode %.2f s, %d tokens, %.2f bytes/token%n",
                trainSeconds, encodeSeconds, ids.length, bytesPerToken);
        assertEquals(512, tok.vocabSize());
        assertTrue(trainSeconds < 30, "training took " + trainSeconds + " s");
        assertTrue(bytesPerToken > 1.8, "bytes per token " + bytesPerToken);
        assertEquals(text, tok.decode(ids));
        TextDataset.Split split = TextDataset.fromText(text, tok, "tinyshakespeare.txt").split();
        assertEquals(ids.length, split.train().size() + split.validation().size());
    }
}

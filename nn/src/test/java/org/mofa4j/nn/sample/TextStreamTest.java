package org.mofa4j.nn.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mofa4j.nn.data.ByteTokenizer;

/** Ids streamed one at a time come out as whole characters. */
class TextStreamTest {
    private final List<String> pieces = new ArrayList<>();
    private final TextStream stream = new TextStream(ByteTokenizer.INSTANCE, pieces::add);

    private void feed(int... ids) {
        for (int id : ids) {
            stream.accept(id);
        }
    }

    @Test
    void multiByteCharactersAreHeldUntilComplete() {
        feed(ByteTokenizer.INSTANCE.encode("h€y"));     // € is E2 82 AC
        stream.flush();
        assertEquals(List.of("h", "€", "y"), pieces);
    }

    @Test
    void malformedBytesAreReleasedWithTheNextCharacter() {
        feed(0xE2, 'a');
        assertEquals(List.of("\uFFFDa"), pieces);
    }

    @Test
    void aTrailingPartialCharacterIsReleasedByFlush() {
        feed('o', 0xC3);
        assertEquals(List.of("o"), pieces);
        stream.flush();
        assertEquals(List.of("o", "\uFFFD"), pieces);
    }

    @Test
    void endlessMalformedBytesDoNotPileUp() {
        for (int i = 0; i < 3 * TextStream.MAX_PENDING; i++) {
            stream.accept(0x80);                        // a lone continuation byte, never completed
        }
        assertEquals(3, pieces.size());
        assertEquals("\uFFFD".repeat(TextStream.MAX_PENDING), pieces.get(0));
    }
}

package org.mofa4j.nn.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text corpus turned into tokens, with nanoGPT's train/validation split: the first {@code ⌊n·f⌋} tokens train,
 * the rest validate ({@code f = 0.9} by default).
 *
 * <p>Typical use:
 * <pre>
 *   String text = TextDataset.readText(path);                 // or BuiltInCorpus.text()
 *   Tokenizer tok = BpeTokenizer.train(text, 512);
 *   TextDataset.Split split = TextDataset.fromText(text, tok, path.toString()).split();
 *   BatchSampler train = new BatchSampler(split.train(), 16, 128, seed);
 * </pre>
 */
public final class TextDataset {
    /** nanoGPT's train fraction. */
    public static final double DEFAULT_TRAIN_FRACTION = 0.9;

    private final String source;
    private final Tokenizer tokenizer;
    private final TokenStream tokens;

    private TextDataset(String source, Tokenizer tokenizer, int[] tokens) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.tokens = TokenStream.wrap(source, tokens);
    }

    /** The train and validation parts of a dataset. */
    public record Split(TokenStream train, TokenStream validation) {
    }

    /**
     * The contents of a UTF-8 text file.
     *
     * @throws IllegalArgumentException if the file does not exist, is not a regular file, is empty or is not valid
     *     UTF-8 (the message names the path, and for bad UTF-8 the byte offset)
     * @throws UncheckedIOException if reading fails, naming the path
     */
    public static String readText(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("TextDataset: no such file: " + path.toAbsolutePath());
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("TextDataset: not a regular file: " + path.toAbsolutePath());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("TextDataset: cannot read " + path.toAbsolutePath() + ": " + e, e);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("TextDataset: file is empty: " + path.toAbsolutePath());
        }
        return decodeUtf8(bytes, path.toAbsolutePath().toString());
    }

    /** Strict UTF-8 decoding: a malformed file is an error, not silently full of U+FFFD. */
    private static String decodeUtf8(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer out = decoder.decode(in);
            String text = out.toString();
            // A leading byte-order mark is an encoding artefact, not text.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("TextDataset: " + source + " is not valid UTF-8 (near byte "
                    + in.position() + ")", e);
        }
    }

    /** Reads {@code path} with {@link #readText} and tokenizes it. */
    public static TextDataset fromFile(Path path, Tokenizer tokenizer) {
        return fromText(readText(path), tokenizer, path.getFileName().toString());
    }

    /** The built-in corpus ({@link BuiltInCorpus}) tokenized. */
    public static TextDataset builtIn(Tokenizer tokenizer) {
        return fromText(BuiltInCorpus.text(), tokenizer, BuiltInCorpus.NAME);
    }

    /**
     * Tokenizes {@code text}; {@code source} names it in messages.
     *
     * @throws IllegalArgumentException if the text is empty
     */
    public static TextDataset fromText(String text, Tokenizer tokenizer, String source) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("TextDataset: " + source + " is empty");
        }
        return new TextDataset(source, tokenizer, tokenizer.encode(text));
    }

    public String source() {
        return source;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** All tokens of the corpus. */
    public TokenStream tokens() {
        return tokens;
    }

    /** {@link #split(double)} with {@link #DEFAULT_TRAIN_FRACTION}. */
    public Split split() {
        return split(DEFAULT_TRAIN_FRACTION);
    }

    /**
     * The first {@code ⌊size·trainFraction⌋} tokens as "train split of SOURCE", the rest as "validation split of
     * SOURCE". With {@code trainFraction = 1} the validation stream is empty.
     *
     * @throws IllegalArgumentException if {@code trainFraction} is not in (0, 1]
     */
    public Split split(double trainFraction) {
        if (!(trainFraction > 0 && trainFraction <= 1)) {
            throw new IllegalArgumentException("TextDataset.split: trainFraction must be in (0, 1], got "
                    + trainFraction);
        }
        int n = tokens.size();
        int cut = (int) Math.floor(n * trainFraction);
        return new Split(tokens.slice(0, cut, "train split of " + source),
                tokens.slice(cut, n, "validation split of " + source));
    }

    /**
     * Checks that the whole corpus has at least {@code contextLength + 1} tokens.
     *
     * @throws IllegalArgumentException naming the source, its token count and {@code contextLength + 1}
     */
    public TextDataset requireWindow(int contextLength) {
        tokens.requireWindow(contextLength);
        return this;
    }

    @Override
    public String toString() {
        return "TextDataset[" + source + ", " + tokens.size() + " tokens, " + tokenizer + "]";
    }
}

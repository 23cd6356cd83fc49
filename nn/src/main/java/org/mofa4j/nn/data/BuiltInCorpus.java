package org.mofa4j.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A small public-domain English corpus shipped inside the jar, so training runs on a fresh machine with no data
 * file. It is a real text (verse, scripture, prose and speeches written between 1600 and 1900), so a small model
 * shows a falling loss and readable samples within minutes. The works and their public-domain status are listed
 * in {@value #SOURCES_RESOURCE}, beside the text.
 */
public final class BuiltInCorpus {
    /** The name used in messages and as the dataset source. */
    public static final String NAME = "built-in corpus";
    /** Classpath location of the text (UTF-8, LF line endings). */
    public static final String TEXT_RESOURCE = "/org/mofa4j/nn/data/builtin-corpus.txt";
    /** Classpath location of the list of works and their sources. */
    public static final String SOURCES_RESOURCE = "/org/mofa4j/nn/data/builtin-corpus-SOURCES.md";

    private static volatile String text;

    private BuiltInCorpus() {
    }

    /** The corpus text, loaded once. */
    public static String text() {
        String t = text;
        if (t == null) {
            t = load(TEXT_RESOURCE);
            text = t;
        }
        return t;
    }

    /** The description of the corpus: which works it contains, which editions, and why they are public domain. */
    public static String sources() {
        return load(SOURCES_RESOURCE);
    }

    private static String load(String resource) {
        try (InputStream in = BuiltInCorpus.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("BuiltInCorpus: resource " + resource + " is missing from the "
                        + "classpath (is the mofa4j-nn jar complete?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("BuiltInCorpus: cannot read resource " + resource, e);
        }
    }
}

package org.mofa4j.examples.compare;

import org.mofa4j.nn.data.BuiltInCorpus;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;

/**
 * The texts of a comparison: the pre-training text (its first 90%) and the fine-tuning text (the pre-training
 * text's last 10% unless a file is given), split 90% / 10% into fine-tuning train and validation, all at the
 * character level with one vocabulary built from both texts.
 */
record CompareData(String pretrainSource, String pretrainText, String finetuneSource, String finetuneText) {
    /** Reads the texts the settings name. */
    static CompareData load(CompareSettings s) {
        String full = s.pretrainText() == null ? BuiltInCorpus.text() : TextDataset.readText(s.pretrainText());
        String source = s.pretrainText() == null ? BuiltInCorpus.NAME : s.pretrainText().getFileName().toString();
        int cut = (int) Math.floor(full.length() * TextDataset.DEFAULT_TRAIN_FRACTION);
        cut = Character.isLowSurrogate(full.charAt(cut)) ? cut + 1 : cut; // never split a code point
        String pre = full.substring(0, cut);
        if (s.finetuneText() == null) {
            return new CompareData("first 90% of " + source, pre, "last 10% of " + source, full.substring(cut));
        }
        return new CompareData("first 90% of " + source, pre, s.finetuneText().getFileName().toString(),
                TextDataset.readText(s.finetuneText()));
    }

    /** A character tokenizer over both texts, so that fine-tuning never meets an unknown character. */
    Tokenizer tokenizer() {
        return CharTokenizer.fromCorpus(pretrainText + finetuneText);
    }

    /** Pre-training train and validation (the last 10% of the pre-training part). */
    TextDataset.Split pretrain(Tokenizer tok) {
        return TextDataset.fromText(pretrainText, tok, pretrainSource).split();
    }

    /** Fine-tuning train (90%) and validation (10%). */
    TextDataset.Split finetune(Tokenizer tok, int context) {
        TextDataset.Split split = TextDataset.fromText(finetuneText, tok, finetuneSource).split();
        for (TokenStream t : new TokenStream[] {split.train(), split.validation()}) {
            t.requireWindow(context);
        }
        return split;
    }
}

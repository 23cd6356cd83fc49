/**
 * Tokenizers and the data pipeline for GPT training.
 *
 * <ul>
 *   <li>{@link org.mofa4j.nn.data.Tokenizer}: {@link org.mofa4j.nn.data.ByteTokenizer} (UTF-8 bytes),
 *       {@link org.mofa4j.nn.data.CharTokenizer} (code points of a corpus, as nanoGPT's shakespeare_char) and
 *       {@link org.mofa4j.nn.data.BpeTokenizer} (byte-level BPE trained on a corpus); each serialises to JSON and
 *       comes back with {@link org.mofa4j.nn.data.Tokenizers#fromJson(String)}.</li>
 *   <li>{@link org.mofa4j.nn.data.TextDataset}: a UTF-8 file (or {@link org.mofa4j.nn.data.BuiltInCorpus}) as
 *       tokens, split into train and validation {@link org.mofa4j.nn.data.TokenStream}s.</li>
 *   <li>{@link org.mofa4j.nn.data.BatchSampler}: seeded random [B, T] windows as
 *       {@link org.mofa4j.nn.data.Batch}es; batch {@code step} depends only on (seed, step), so training
 *       resumes exactly.</li>
 * </ul>
 */
package org.mofa4j.nn.data;

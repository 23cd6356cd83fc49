/**
 * Text generation from a trained {@link org.mofa4j.nn.Gpt}.
 *
 * <ul>
 *   <li>{@link org.mofa4j.nn.sample.GptDecoder}: inference with a {@link org.mofa4j.nn.sample.KvCache}, one
 *       prefill of the prompt, then O(T·C) attention work per new token; slides (or throws) at the context.</li>
 *   <li>{@link org.mofa4j.nn.sample.Sampler}: greedy, temperature and top-k sampling with a seeded
 *       {@link org.mofa4j.tensor.Rng}, on ids or, through a {@link org.mofa4j.nn.data.Tokenizer}, on text.</li>
 *   <li>{@link org.mofa4j.nn.sample.TextStream}: prints ids as text while they arrive, without splitting
 *       characters.</li>
 * </ul>
 */
package org.mofa4j.nn.sample;

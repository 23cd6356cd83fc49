/**
 * Neural-network layers on top of autograd: {@link org.mofa4j.nn.Module} with hierarchical parameter
 * names and state dicts, Linear, Embedding, LayerNorm, RMSNorm, Dropout, the GPT block stack, and LoRA.
 */
package org.mofa4j.nn;

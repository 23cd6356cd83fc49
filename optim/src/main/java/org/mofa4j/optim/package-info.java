/**
 * Optimizers: the common API ({@link org.mofa4j.optim.Optimizer}, parameter groups, state dicts, exact
 * state sizes), AdamW and SGD, and the memory-efficient methods (MoFaSGD, AdaLomo, LOMO, GaLore, Muon,
 * Adafactor). Depends on tensor and autograd only.
 */
package org.mofa4j.optim;

/** The {@code mofa4j} command line: train, sample, bench, and the runnable examples. */
package org.mofa4j.examples;

/** mofa4j tensor module. */
package org.mofa4j.tensor;

/** mofa4j gpu module. */
package org.mofa4j.gpu;

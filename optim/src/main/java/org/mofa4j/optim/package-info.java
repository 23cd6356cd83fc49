/** mofa4j optim module. */
package org.mofa4j.optim;

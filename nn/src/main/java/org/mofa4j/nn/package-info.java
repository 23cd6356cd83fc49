/** mofa4j nn module. */
package org.mofa4j.nn;

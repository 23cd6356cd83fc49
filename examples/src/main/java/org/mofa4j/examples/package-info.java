/** mofa4j examples module. */
package org.mofa4j.examples;

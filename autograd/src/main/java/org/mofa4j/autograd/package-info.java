/** mofa4j autograd module. */
package org.mofa4j.autograd;

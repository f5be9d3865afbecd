/** Helpers shared by ringnet's packages; not exported. */
package dev.ringnet.internal;

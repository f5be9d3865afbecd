/**
 * ringnet's core: the event loop, the completion-based backend SPI with its backends, timers, and
 * TCP/UDP sockets.
 */
module dev.ringnet.core {
    requires jdk.jfr; // the loop-stall event; part of the JDK
    exports dev.ringnet.io;
    exports dev.ringnet.loop;
    exports dev.ringnet.net;
    exports dev.ringnet.server;
    exports dev.ringnet.sync;
    exports dev.ringnet.time;
}

package dev.ringnet.net;

import java.net.InetSocketAddress;

/**
 * What a datagram receive returns in its {@code CompletionStage} and blocking forms.
 *
 * @param bytes  the datagram's length as stored in the buffer
 * @param sender who sent it
 */
public record Datagram(int bytes, InetSocketAddress sender) {}

package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class UdpEchoTest {

    @Test
    void answersEachDatagramToItsSender() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (UdpEcho server = UdpEcho.start(ctx, 0)) {
                for (int i = 0; i < 5; i++) {
                    assertThat(UdpEcho.ping(ctx, server.address(), "ping " + i, Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS)).isEqualTo("ping " + i);
                }
            }
        }
    }

    @Test
    void echoesToAPlainJavaClient() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (UdpEcho server = UdpEcho.start(ctx, 0);
                 DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                client.setSoTimeout(5000);
                byte[] out = "hello".getBytes();
                client.send(new DatagramPacket(out, out.length, server.address()));
                DatagramPacket in = new DatagramPacket(new byte[100], 100);
                client.receive(in);
                assertThat(new String(in.getData(), 0, in.getLength())).isEqualTo("hello");
            }
        }
    }
}

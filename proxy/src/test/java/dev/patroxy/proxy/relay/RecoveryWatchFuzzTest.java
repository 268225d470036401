package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Any server answer after the startup, in chunks of any size: {@link RecoveryWatch} commits before the client sees
 * a byte, hands on the server's bytes in order and unchanged, all of them unless it finds the node in recovery, and
 * releases every buffer it was given.
 * <p>
 * Input: one byte of chunk size (0: the whole answer at once), then the server's bytes.
 */
class RecoveryWatchFuzzTest {
    @FuzzTest
    void passesEveryByteInOrderUnlessInRecovery(byte[] input) {
        if (input.length < 1) {
            return;
        }
        byte[] server = Arrays.copyOfRange(input, 1, input.length);
        int chunk = (input[0] & 0xff) == 0 ? Math.max(1, server.length) : input[0] & 0xff;

        List<String> events = new ArrayList<>();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        AtomicInteger ended = new AtomicInteger();
        RecoveryWatch watch = new RecoveryWatch(new RecoveryWatch.Session() {
            @Override
            public void committed() {
                assertThat(seen.size()).as("committed before the client sees anything").isZero();
                events.add("committed");
            }

            @Override
            public void inRecovery(boolean replayable) {
                events.add("in recovery, replayable " + replayable);
            }

            @Override
            public void ended() {
                ended.incrementAndGet();
            }
        });
        EmbeddedChannel channel = new EmbeddedChannel(watch);
        List<ByteBuf> given = new ArrayList<>();
        boolean inRecovery = false;
        for (int at = 0; at < server.length && !inRecovery; at += chunk) {
            ByteBuf part = Unpooled.copiedBuffer(server, at, Math.min(chunk, server.length - at));
            given.add(part);
            channel.writeInbound(part);
            drain(channel, seen, events);
            inRecovery = events.stream().anyMatch(event -> event.startsWith("in recovery"));
        }
        channel.close();
        drain(channel, seen, events);

        byte[] toClient = seen.toByteArray();
        if (inRecovery) {
            assertThat(events).as("told once, replayable exactly when nothing was committed")
                    .isIn(List.of("in recovery, replayable true"), List.of("committed", "in recovery, replayable false"));
            assertThat(toClient.length).isLessThanOrEqualTo(server.length);
            assertThat(toClient).as("what reached the client is the start of the answer")
                    .isEqualTo(Arrays.copyOf(server, toClient.length));
        } else {
            assertThat(toClient).as("every byte of a server not in recovery, in order").isEqualTo(server);
            assertThat(events).isIn(List.of(), List.of("committed"));
        }
        assertThat(ended.get()).as("the watch steps out at most once").isLessThanOrEqualTo(1);
        assertThat(given).as("every buffer the server gave was released or handed on")
                .allSatisfy(part -> assertThat(part.refCnt()).isZero());
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static void drain(EmbeddedChannel channel, ByteArrayOutputStream seen, List<String> events) {
        for (ByteBuf out = channel.readInbound(); out != null; out = channel.readInbound()) {
            assertThat(events).as("committed before the first byte reaches the client").contains("committed");
            seen.writeBytes(ByteBufUtil.getBytes(out));
            out.release();
        }
    }
}

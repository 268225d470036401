package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Any client opening and any server answer, in chunks of any size: {@link StartupWatch} (with {@link FirstAnswer})
 * decides once, hands the client every byte of a server it passes and nothing but declined encryption requests of
 * one it turns away, replays exactly what the client sent after those, and releases every buffer it was given.
 * <p>
 * Input: one byte of chunk size (0: the whole answer at once), two bytes of client length, the client's bytes,
 * then the server's.
 */
class StartupWatchFuzzTest {
    private static final int ENCRYPTION_REQUEST = 8;

    @FuzzTest
    void decidesOnceAndLosesNothing(byte[] input) {
        if (input.length < 3) {
            return;
        }
        int chunk = input[0] & 0xff;
        int clientLength = Math.min(((input[1] & 0xff) << 8) | (input[2] & 0xff), input.length - 3);
        byte[] client = Arrays.copyOfRange(input, 3, 3 + clientLength);
        byte[] server = Arrays.copyOfRange(input, 3 + clientLength, input.length);
        if (chunk == 0) {
            chunk = Math.max(1, server.length);
        }

        ByteBuf sent = Unpooled.wrappedBuffer(client);
        List<String> decisions = new ArrayList<>();
        StartupWatch watch = new StartupWatch(new StartupWatch.Session() {
            @Override
            public ByteBuf sent() {
                return sent;
            }

            @Override
            public void passed() {
                decisions.add("passed");
            }

            @Override
            public void turnedAway() {
                decisions.add("turned away");
            }
        }, null);
        EmbeddedChannel channel = new EmbeddedChannel(watch);
        List<ByteBuf> given = new ArrayList<>();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        for (int at = 0; at < server.length && !decisions.contains("turned away"); at += chunk) {
            ByteBuf part = Unpooled.copiedBuffer(server, at, Math.min(chunk, server.length - at));
            given.add(part);
            channel.writeInbound(part);
            drain(channel, seen);
        }
        channel.close();
        drain(channel, seen);

        assertThat(decisions).as("one decision, once").hasSize(1);
        byte[] toClient = seen.toByteArray();
        if (decisions.get(0).equals("passed")) {
            assertThat(toClient).as("a passed server's every byte, in order").isEqualTo(server);
        } else {
            assertThat(new String(toClient, StandardCharsets.ISO_8859_1))
                    .as("only declined encryption requests reach a client turned away").matches("N*")
                    .hasSizeLessThanOrEqualTo(client.length / ENCRYPTION_REQUEST);
            ByteBuf replay = FirstAnswer.replay(sent);
            // A client waits for the answer to each encryption request before it sends its startup; one that
            // did not (no conforming client) has its unanswered requests left out of the replay too.
            if (toClient.length == leadingEncryptionRequests(client)) {
                assertThat(ByteBufUtil.getBytes(replay)).as("the replayed startup is what the client sent after them")
                        .isEqualTo(Arrays.copyOfRange(client, toClient.length * ENCRYPTION_REQUEST, client.length));
            }
            replay.release();
        }
        assertThat(sent.refCnt()).as("the client's bytes are the session's, not the watch's").isEqualTo(1);
        assertThat(given).as("every buffer the server gave was released or handed on")
                .allSatisfy(part -> assertThat(part.refCnt()).isZero());
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static int leadingEncryptionRequests(byte[] client) {
        ByteBuf in = Unpooled.wrappedBuffer(client);
        int count = 0;
        while (in.readableBytes() >= ENCRYPTION_REQUEST && in.getInt(in.readerIndex()) == ENCRYPTION_REQUEST
                && (in.getInt(in.readerIndex() + 4) == PgStartup.SSL_REQUEST_CODE
                        || in.getInt(in.readerIndex() + 4) == PgStartup.GSSENC_REQUEST_CODE)) {
            in.skipBytes(ENCRYPTION_REQUEST);
            count++;
        }
        return count;
    }

    private static void drain(EmbeddedChannel channel, ByteArrayOutputStream seen) {
        for (ByteBuf out = channel.readInbound(); out != null; out = channel.readInbound()) {
            seen.writeBytes(ByteBufUtil.getBytes(out));
            out.release();
        }
    }
}

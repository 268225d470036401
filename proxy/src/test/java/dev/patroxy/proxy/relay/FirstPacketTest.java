package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.proxy.relay.FirstPacket.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FirstPacketTest {
    private static ByteBuf packet(int code, String parameters) {
        byte[] body = parameters.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.buffer().writeInt(8 + body.length).writeInt(code).writeBytes(body);
    }

    private static ByteBuf startup(int minor) {
        return packet(3 << 16 | minor, "user\0postgres\0database\0app\0\0");
    }

    @Test
    void aWholeStartupMessageOfAnyProtocol3MinorProceedsUnconsumed() {
        for (int minor : new int[] {0, 2, 9}) {
            ByteBuf in = startup(minor);
            FirstPacket.Decision decision = FirstPacket.decide(in);
            assertThat(decision.outcome()).isEqualTo(Outcome.STARTUP);
            assertThat(decision.length()).isEqualTo(in.readableBytes());
            assertThat(decision.proceeds()).isTrue();
            assertThat(in.readerIndex()).as("not consumed").isZero();
        }
    }

    @Test
    void thePacketSplitAtEveryByteNeedsMoreUntilItIsWhole() {
        ByteBuf whole = startup(0);
        for (int cut = 0; cut < whole.readableBytes(); cut++) {
            assertThat(FirstPacket.decide(whole.slice(0, cut)).outcome()).as("first %d bytes", cut)
                    .isEqualTo(Outcome.NEED_MORE);
        }
        assertThat(FirstPacket.decide(whole).outcome()).isEqualTo(Outcome.STARTUP);
    }

    @Test
    void specialRequestsProceedAtOnce() {
        assertThat(FirstPacket.decide(packet(PgStartup.SSL_REQUEST_CODE, "")).outcome()).isEqualTo(Outcome.SSL);
        assertThat(FirstPacket.decide(packet(PgStartup.GSSENC_REQUEST_CODE, "")).outcome()).isEqualTo(Outcome.GSS);
        ByteBuf cancel = Unpooled.buffer().writeInt(16).writeInt(PgStartup.CANCEL_REQUEST_CODE).writeInt(42)
                .writeInt(7);
        assertThat(FirstPacket.decide(cancel).outcome()).isEqualTo(Outcome.CANCEL);
        assertThat(FirstPacket.decide(cancel.slice(0, 12)).outcome()).as("half a cancel")
                .isEqualTo(Outcome.NEED_MORE);
    }

    @Test
    void aLengthOutOfBoundsIsInvalidAtOnceAndAnsweredWithNothingAsPostgresqlDoes() {
        for (int length : new int[] {0, 4, 7, 10_001, Integer.MAX_VALUE, -1}) {
            FirstPacket.Decision decision = FirstPacket.decide(Unpooled.buffer().writeInt(length));
            assertThat(decision.outcome()).as("length %d", length).isEqualTo(Outcome.INVALID);
            assertThat(decision.sqlState()).isNull();
            assertThat(decision.reason()).isEqualTo("invalid length of startup packet");
        }
        assertThat(FirstPacket.decide(Unpooled.buffer().writeInt(10_000)).outcome()).as("at the limit")
                .isEqualTo(Outcome.NEED_MORE);
        ByteBuf http = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        assertThat(FirstPacket.decide(http).outcome()).as("random bytes").isEqualTo(Outcome.INVALID);
    }

    @Test
    void anotherProtocolIsAnsweredAsUnsupported() {
        FirstPacket.Decision v2 = FirstPacket.decide(packet(2 << 16, "x".repeat(288)));
        assertThat(v2.outcome()).isEqualTo(Outcome.INVALID);
        assertThat(v2.sqlState()).isEqualTo(FirstPacket.FEATURE_NOT_SUPPORTED);
        assertThat(v2.reason()).startsWith("unsupported frontend protocol 2.0");
        assertThat(FirstPacket.decide(packet(7 << 16 | 1, "\0")).reason())
                .startsWith("unsupported frontend protocol 7.1");
    }

    @Test
    void aStartupWhoseParametersAreNotTerminatedIsAProtocolViolation() {
        FirstPacket.Decision open = FirstPacket.decide(packet(3 << 16, "user\0postgres"));
        assertThat(open.outcome()).isEqualTo(Outcome.INVALID);
        assertThat(open.sqlState()).isEqualTo(FirstPacket.PROTOCOL_VIOLATION);
        assertThat(open.reason()).contains("expected terminator as last byte");
        assertThat(FirstPacket.decide(packet(3 << 16, "")).outcome()).as("no parameters at all")
                .isEqualTo(Outcome.INVALID);
    }
}

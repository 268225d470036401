package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FirstAnswerTest {
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false);
    private static final byte[] STARTUP = startup();

    private static byte[] startup() {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer().writeInt(8 + parameters.length).writeInt(3 << 16).writeBytes(parameters);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    private static ByteBuf sslThenStartup() {
        return Unpooled.buffer().writeInt(8).writeInt(PgStartup.SSL_REQUEST_CODE).writeBytes(STARTUP);
    }

    private static ByteBuf error(String sqlState) {
        // Plain heap memory like this test's other buffers: FirstAnswer only reads what it is given.
        return PgStartup.fatalError(HEAP, sqlState, "the database system is shutting down");
    }

    @Test
    void cannotConnectNowAfterADeclinedSslRequestMeansTryElsewhereWithTheStartupAlone() {
        ByteBuf sent = sslThenStartup();
        ByteBuf answer = Unpooled.buffer().writeByte('N').writeBytes(error("57P03"));

        assertThat(FirstAnswer.of(sent, answer)).isEqualTo(FirstAnswer.Verdict.RETRY);
        ByteBuf replay = FirstAnswer.replay(sent);
        assertThat(ByteBufUtil.getBytes(replay)).isEqualTo(STARTUP);
        replay.release();
    }

    @Test
    void anythingElseIsTheClientsSession() {
        ByteBuf plain = Unpooled.wrappedBuffer(STARTUP);
        assertThat(FirstAnswer.of(plain, Unpooled.buffer().writeByte('R').writeInt(8).writeInt(10)))
                .as("an authentication request").isEqualTo(FirstAnswer.Verdict.PASS);
        assertThat(FirstAnswer.of(plain, error("28P01"))).as("another error is the client's to see")
                .isEqualTo(FirstAnswer.Verdict.PASS);
        assertThat(FirstAnswer.of(sslThenStartup(), Unpooled.buffer().writeByte('S')))
                .as("encrypted from here on").isEqualTo(FirstAnswer.Verdict.PASS);
        assertThat(FirstAnswer.of(plain, Unpooled.copiedBuffer("1\n", StandardCharsets.US_ASCII)))
                .as("not PostgreSQL: decided on the first byte").isEqualTo(FirstAnswer.Verdict.PASS);
    }

    @Test
    void aWholeStartupMessageIsRecognisedAfterAnEncryptionRequest() {
        assertThat(FirstAnswer.startupSent(sslThenStartup())).isTrue();
        assertThat(FirstAnswer.startupSent(Unpooled.buffer().writeInt(8).writeInt(PgStartup.SSL_REQUEST_CODE)))
                .isFalse();
        assertThat(FirstAnswer.startupSent(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII)))
                .isFalse();
    }

    @Test
    void waitsForTheWholeErrorMessage() {
        ByteBuf whole = error("57P03");
        ByteBuf part = whole.retainedSlice(0, whole.readableBytes() - 3);
        assertThat(FirstAnswer.of(Unpooled.wrappedBuffer(STARTUP), part)).isEqualTo(FirstAnswer.Verdict.UNDECIDED);
        assertThat(FirstAnswer.of(sslThenStartup(), Unpooled.buffer())).isEqualTo(FirstAnswer.Verdict.UNDECIDED);
        assertThat(FirstAnswer.of(Unpooled.wrappedBuffer(STARTUP), whole)).isEqualTo(FirstAnswer.Verdict.RETRY);
    }

}

package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CannotConnectNowHandlerTest {
    private static final String MESSAGE = "patroxy: no primary for listener primary (held 30 s)";
    private final EmbeddedChannel client = new EmbeddedChannel(new CannotConnectNowHandler(MESSAGE));

    private static ByteBuf request(int code) {
        return Unpooled.buffer().writeInt(8).writeInt(code);
    }

    private static ByteBuf startup() {
        byte[] parameters = "user\0postgres\0database\0demo\0application_name\0psql\0\0"
                .getBytes(StandardCharsets.US_ASCII);
        return Unpooled.buffer().writeInt(8 + parameters.length).writeInt(3 << 16).writeBytes(parameters);
    }

    private static ByteBuf cancel() {
        return Unpooled.buffer().writeInt(16).writeInt(PgStartup.CANCEL_REQUEST_CODE).writeInt(4242).writeInt(99);
    }

    /** Writes {@code message} to the handler in chunks of {@code size} bytes. */
    private void writeInChunks(ByteBuf message, int size) {
        while (message.isReadable()) {
            client.writeInbound(message.readRetainedSlice(Math.min(size, message.readableBytes())));
        }
        message.release();
    }

    private String readN() {
        ByteBuf answer = client.readOutbound();
        try {
            return answer.toString(StandardCharsets.US_ASCII);
        } finally {
            answer.release();
        }
    }

    /** The fields of the ErrorResponse the handler wrote, checked for framing on the way. */
    private Map<Character, String> readError() {
        ByteBuf answer = client.readOutbound();
        try {
            assertThat((char) answer.readByte()).isEqualTo('E');
            assertThat(answer.readInt()).as("length counts itself and the rest").isEqualTo(answer.readableBytes() + 4);
            Map<Character, String> fields = new LinkedHashMap<>();
            while (answer.getByte(answer.readerIndex()) != 0) {
                char type = (char) answer.readByte();
                int end = answer.indexOf(answer.readerIndex(), answer.writerIndex(), (byte) 0);
                fields.put(type, answer.readCharSequence(end - answer.readerIndex(), StandardCharsets.UTF_8).toString());
                answer.skipBytes(1);
            }
            answer.skipBytes(1);
            assertThat(answer.isReadable()).isFalse();
            return fields;
        } finally {
            answer.release();
        }
    }

    private void assertCannotConnectNowThenClosed() {
        assertThat(readError()).containsExactly(
                Map.entry('S', "FATAL"), Map.entry('V', "FATAL"), Map.entry('C', "57P03"), Map.entry('M', MESSAGE));
        assertThat(client.<ByteBuf>readOutbound()).isNull();
        assertThat(client.isOpen()).isFalse();
    }

    private void assertClosedWithoutAnswer() {
        assertThat(client.<ByteBuf>readOutbound()).isNull();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aStartupMessageIsAnsweredWithFatalCannotConnectNowAndTheConnectionClosed() {
        client.writeInbound(startup());

        assertCannotConnectNowThenClosed();
    }

    @Test
    void anSslRequestIsDeclinedAndTheStartupThatFollowsRefused() {
        client.writeInbound(request(PgStartup.SSL_REQUEST_CODE));

        assertThat(readN()).isEqualTo("N");
        assertThat(client.isOpen()).isTrue();
        client.writeInbound(startup());
        assertCannotConnectNowThenClosed();
    }

    @Test
    void gssEncryptionThenTlsAreBothDeclinedAsLibpqAsksForThemInTurn() {
        client.writeInbound(request(PgStartup.GSSENC_REQUEST_CODE));
        assertThat(readN()).isEqualTo("N");
        client.writeInbound(request(PgStartup.SSL_REQUEST_CODE));
        assertThat(readN()).isEqualTo("N");

        client.writeInbound(startup());

        assertCannotConnectNowThenClosed();
    }

    @Test
    void messagesSplitAcrossReadsAreAnsweredOnceComplete() {
        writeInChunks(request(PgStartup.SSL_REQUEST_CODE), 3);
        assertThat(readN()).isEqualTo("N");

        ByteBuf startup = startup();
        client.writeInbound(startup.readRetainedSlice(2));
        client.writeInbound(startup.readRetainedSlice(7));
        assertThat(client.<ByteBuf>readOutbound()).as("nothing until the whole message is in").isNull();
        writeInChunks(startup, 1);

        assertCannotConnectNowThenClosed();
    }

    @Test
    void anSslRequestAndAStartupInOneReadGetBothAnswers() {
        client.writeInbound(Unpooled.wrappedBuffer(request(PgStartup.SSL_REQUEST_CODE), startup()));

        assertThat(readN()).isEqualTo("N");
        assertCannotConnectNowThenClosed();
    }

    @Test
    void aCancelRequestIsClosedWithoutAWord() {
        writeInChunks(cancel(), 5);

        assertClosedWithoutAnswer();
    }

    @Test
    void aLengthOutOfBoundsIsClosedAtOnceWithoutWaitingForTheBytesItAnnounces() {
        client.writeInbound(Unpooled.buffer().writeInt(PgStartup.MAX_LENGTH + 1).writeInt(3 << 16));
        assertClosedWithoutAnswer();

        EmbeddedChannel tooShort = new EmbeddedChannel(new CannotConnectNowHandler(MESSAGE));
        tooShort.writeInbound(Unpooled.buffer().writeInt(4).writeInt(0));
        assertThat(tooShort.isOpen()).isFalse();
    }

    @Test
    void whatIsNotAPostgresqlClientIsClosedWithoutAnswer() {
        client.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        assertClosedWithoutAnswer();

        EmbeddedChannel protocol2 = new EmbeddedChannel(new CannotConnectNowHandler(MESSAGE));
        protocol2.writeInbound(Unpooled.buffer().writeInt(9).writeInt(2 << 16).writeByte(0));
        assertThat(protocol2.<ByteBuf>readOutbound()).isNull();
        assertThat(protocol2.isOpen()).isFalse();

        EmbeddedChannel unterminated = new EmbeddedChannel(new CannotConnectNowHandler(MESSAGE));
        unterminated.writeInbound(Unpooled.buffer().writeInt(12).writeInt(3 << 16).writeInt(0x75736572));
        assertThat(unterminated.isOpen()).isFalse();
    }

    @Test
    void theSameEncryptionRequestTwiceIsClosed() {
        client.writeInbound(request(PgStartup.SSL_REQUEST_CODE));
        assertThat(readN()).isEqualTo("N");

        client.writeInbound(request(PgStartup.SSL_REQUEST_CODE));

        assertClosedWithoutAnswer();
    }

    @Test
    void aClientThatStopsSendingMidMessageIsClosed() {
        ByteBuf startup = startup();
        client.writeInbound(startup.readRetainedSlice(10));
        startup.release();
        assertThat(client.isOpen()).isTrue();

        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertClosedWithoutAnswer();
    }

    @Test
    void itReadsTheClientItselfEvenWhenTheChannelWasNotReading() {
        EmbeddedChannel paused = new EmbeddedChannel();
        paused.config().setAutoRead(false);

        paused.pipeline().addLast(new CannotConnectNowHandler(MESSAGE));

        assertThat(paused.config().isAutoRead()).isTrue();
    }

    @Test
    void aClientWhoseSocketFailsAsItIsTurnedAwayIsClosedWithoutTheErrorReachingThePipelinesTail() {
        client.pipeline().fireExceptionCaught(new java.io.IOException("epoll_ctl(..) failed: No such file or directory"));

        client.checkException();
        assertThat(client.isOpen()).isFalse();
    }
}

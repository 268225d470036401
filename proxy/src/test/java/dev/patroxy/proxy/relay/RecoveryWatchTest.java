package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryWatchTest {
    /** What the watch told the session, in order. */
    private final List<String> events = new ArrayList<>();
    private final RecoveryWatch watch = new RecoveryWatch(new RecoveryWatch.Session() {
        @Override
        public void committed() {
            events.add("committed");
        }

        @Override
        public void inRecovery(boolean replayable) {
            events.add("in recovery, replayable " + replayable);
        }

        @Override
        public void ended() {
            events.add("ended");
        }
    });
    private final EmbeddedChannel server = new EmbeddedChannel(watch);

    private static byte[] message(char type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        int length = 4 + body.length;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] authentication(int code, String data) {
        byte[] rest = data.getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[4 + rest.length];
        body[3] = (byte) code;
        System.arraycopy(rest, 0, body, 4, rest.length);
        return message('R', body);
    }

    private static byte[] parameter(String name, String value) {
        return message('S', (name + "\0" + value + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static final byte[] SASL = authentication(10, "SCRAM-SHA-256\0\0");
    private static final byte[] SASL_FINAL = authentication(12, "v=c2lnbmF0dXJl");
    private static final byte[] OK = authentication(0, "");
    private static final byte[] KEY_DATA = message('K', new byte[8]);
    private static final byte[] READY = message('Z', new byte[] {'I'});

    private static byte[] afterAuthentication(String inHotStandby) {
        return concat(OK, parameter("application_name", "psql"),
                inHotStandby == null ? new byte[0] : parameter("in_hot_standby", inHotStandby),
                parameter("server_version", "15.18"), KEY_DATA, READY);
    }

    private void serverSends(byte[] bytes) {
        server.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    private byte[] passedOn() {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = server.readInbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    private boolean watching() {
        return server.pipeline().get(RecoveryWatch.class) != null;
    }

    @Test
    void authenticationRequestsGoToTheClientAtOnceAndAPrimarysStartupAtReadyForQuery() {
        serverSends(SASL);
        assertThat(passedOn()).isEqualTo(SASL);
        assertThat(events).containsExactly("committed");

        byte[] rest = concat(SASL_FINAL, afterAuthentication("off"));
        serverSends(rest);

        assertThat(passedOn()).isEqualTo(rest);
        assertThat(events).containsExactly("committed", "ended");
        assertThat(watching()).isFalse();
        serverSends("Q-later".getBytes(StandardCharsets.US_ASCII));
        assertThat(passedOn()).asString(StandardCharsets.US_ASCII).isEqualTo("Q-later");
    }

    @Test
    void aNodeInRecoveryAfterThePasswordExchangeIsReportedAndNothingPastAuthenticationReachesTheClient() {
        serverSends(concat(SASL));
        passedOn();

        serverSends(concat(SASL_FINAL, afterAuthentication("on")));

        assertThat(passedOn()).as("only the SASL final message, sent before AuthenticationOk").isEqualTo(SASL_FINAL);
        assertThat(events).containsExactly("committed", "in recovery, replayable false");
        assertThat(watching()).isFalse();
    }

    @Test
    void aNodeInRecoveryThatAuthenticatedWithoutTheClientCanBeReplayedElsewhere() {
        serverSends(afterAuthentication("on"));

        assertThat(passedOn()).isEmpty();
        assertThat(events).containsExactly("in recovery, replayable true");
    }

    @Test
    void theAnswerIsFollowedWhenItArrivesByteByByte() {
        byte[] all = concat(SASL, SASL_FINAL, afterAuthentication("on"));
        for (byte b : all) {
            serverSends(new byte[] {b});
        }

        assertThat(passedOn()).isEqualTo(concat(SASL, SASL_FINAL));
        assertThat(events).containsExactly("committed", "in recovery, replayable false");
    }

    @Test
    void aServerThatDoesNotReportInHotStandbyPassesUntouched() {
        byte[] all = concat(OK, afterAuthentication(null));
        serverSends(all);

        assertThat(passedOn()).isEqualTo(all);
        assertThat(events).containsExactly("committed", "ended");
    }

    @Test
    void anErrorAfterAuthenticationGoesToTheClientWithEverythingHeld() {
        byte[] error = message('E', "SFATAL\0C53300\0Msorry, too many clients already\0\0"
                .getBytes(StandardCharsets.US_ASCII));
        byte[] all = concat(OK, error);
        serverSends(all);

        assertThat(passedOn()).isEqualTo(all);
        assertThat(events).containsExactly("committed", "ended");
        assertThat(watching()).isFalse();
    }

    @Test
    void aPasswordRefusalPassesAtOnce() {
        byte[] error = message('E', "SFATAL\0C28P01\0Mpassword authentication failed\0\0"
                .getBytes(StandardCharsets.US_ASCII));
        serverSends(concat(SASL, SASL_FINAL, error));

        assertThat(passedOn()).isEqualTo(concat(SASL, SASL_FINAL, error));
        assertThat(watching()).isFalse();
    }

    @Test
    void somethingThatIsNotPostgresqlPassesAtOnce() {
        byte[] bytes = "R-from-something-else".getBytes(StandardCharsets.US_ASCII);
        serverSends(bytes);

        assertThat(passedOn()).isEqualTo(bytes);
        assertThat(watching()).isFalse();
    }

    @Test
    void whatIsHeldReachesTheClientBeforeTheServerCloses() {
        byte[] partial = concat(OK, parameter("application_name", "psql"));
        serverSends(partial);
        assertThat(passedOn()).isEmpty();

        server.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(passedOn()).isEqualTo(partial);
        assertThat(events).containsExactly("committed", "ended");
    }

    @Test
    void whatIsHeldReachesTheClientWhenTheServerConnectionEnds() {
        byte[] partial = concat(OK, parameter("in_hot_standby", "off"));
        serverSends(partial);
        assertThat(passedOn()).isEmpty();

        server.close();

        assertThat(passedOn()).isEqualTo(partial);
    }
}

package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartupWatchTest {
    /** What the watch told the session, in order. */
    private final List<String> events = new ArrayList<>();
    private ByteBuf sent = Unpooled.buffer();
    private final StartupWatch watch = new StartupWatch(new StartupWatch.Session() {
        @Override
        public ByteBuf sent() {
            return sent;
        }

        @Override
        public void passed() {
            events.add("passed");
        }

        @Override
        public void turnedAway() {
            events.add("turned away");
        }
    }, null);
    private final EmbeddedChannel server = new EmbeddedChannel(watch);

    private static ByteBuf startup() {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuf startup = Unpooled.buffer();
        startup.writeInt(8 + parameters.length).writeInt(3 << 16).writeBytes(parameters);
        return startup;
    }

    @Test
    void aClientThatOutgrewTheWatchGetsTheServersAnswerAsItIs() {
        sent.writeBytes(startup());
        sent = null;
        ByteBuf answer = Unpooled.copiedBuffer("E\0\0\0\4", StandardCharsets.US_ASCII);

        server.writeInbound(answer);

        ByteBuf relayed = server.readInbound();
        assertThat(relayed.toString(StandardCharsets.US_ASCII)).isEqualTo("E\0\0\0\4");
        relayed.release();
        assertThat(events).containsExactly("passed");
        assertThat(server.pipeline().get(StartupWatch.class)).isNull();
    }

    @Test
    void aClientThatOutgrewTheWatchWhileAnAnswerWasHeldGetsWhatWasHeld() {
        sent.writeBytes(startup());
        server.writeInbound(Unpooled.copiedBuffer("E\0", StandardCharsets.US_ASCII));
        assertThat((Object) server.readInbound()).as("an ErrorResponse is held until it is whole").isNull();
        sent = null;

        ByteBuf rest = Unpooled.copiedBuffer("\0\0\4", StandardCharsets.US_ASCII);
        server.writeInbound(rest);

        ByteBuf relayed = server.readInbound();
        assertThat(relayed.toString(StandardCharsets.US_ASCII)).isEqualTo("E\0\0\0\4");
        relayed.release();
        assertThat(rest.refCnt()).isZero();
        assertThat(events).containsExactly("passed");
    }

    @Test
    void aServerClosingOnAClientThatOutgrewTheWatchDoesNotTurnItAway() {
        sent.writeBytes(startup());
        sent = null;

        server.close();

        assertThat(events).containsExactly("passed");
    }
}

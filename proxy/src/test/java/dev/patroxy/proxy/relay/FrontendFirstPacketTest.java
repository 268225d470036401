package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.relay.FirstPacketRejections.Reason;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * FrontendHandler reading a client's first packet, on an EmbeddedChannel: no server is routable, so a client that
 * gets past its first packet is refused at routing, which shows that it got that far.
 */
class FrontendFirstPacketTest {
    private static final Duration HELLO = Duration.ofSeconds(2);

    private final ServerConfig server =
            new ServerConfig("pg01", new HostPort("127.0.0.1", 5432), new HostPort("127.0.0.1", 8008), 0);
    private final ListenerRouter router;
    private final Admission listener = new Admission(0, () -> 0);
    private final Admission startup = new Admission(10, () -> 0);
    private final Admission global = new Admission(10, () -> 0);
    private final FirstPacketPlaces places = new FirstPacketPlaces(1);
    private final FirstPacketRejections rejections = new FirstPacketRejections("primary");
    private final AtomicInteger routedAndRefused = new AtomicInteger();

    FrontendFirstPacketTest() {
        Duration s = Duration.ofSeconds(1);
        ListenerConfig config = new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                Balance.ROUNDROBIN, Optional.empty(), new Timeouts(s, s, s, s, s, s, Duration.ZERO, s, HELLO), 2, 0,
                true, false, 0, List.of(server));
        router = new ListenerRouter(config, List.of(new Backend("primary", server, Optional.empty(), Instant.EPOCH)));
        router.refresh(b -> false);
    }

    private EmbeddedChannel client() {
        return new EmbeddedChannel(new FrontendHandler(router, List.of(listener, startup, global), 1,
                new TrafficCounters(), routedAndRefused::incrementAndGet, () -> { }, null, places, rejections,
                new SessionRegistry(System::nanoTime)));
    }

    private static ByteBuf startupMessage() {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        return Unpooled.buffer().writeInt(8 + parameters.length).writeInt(3 << 16).writeBytes(parameters);
    }

    private void assertNothingHeld() {
        assertThat(places.inUse()).as("first packet places").isZero();
        assertThat(startup.inUse() + global.inUse()).as("startup and maxconn places").isZero();
    }

    @Test
    void aStartupSplitIntoOneByteReadsGoesOnOnceWhole() {
        EmbeddedChannel client = client();
        ByteBuf whole = startupMessage();
        while (whole.readableBytes() > 1) {
            client.writeInbound(whole.readRetainedSlice(1));
            assertThat(client.isOpen()).isTrue();
            assertThat(routedAndRefused.get()).as("still reading").isZero();
            assertThat(places.inUse()).isEqualTo(1);
            assertThat(global.inUse()).as("no maxconn place while reading").isZero();
        }
        client.writeInbound(whole);
        assertThat(routedAndRefused.get()).as("went on to routing").isEqualTo(1);
        assertThat(client.isOpen()).isFalse();
        assertThat(rejections.total()).isZero();
        assertNothingHeld();
    }

    @Test
    void anSslRequestGoesOnAtOnce() {
        EmbeddedChannel client = client();
        client.writeInbound(Unpooled.buffer().writeInt(8).writeInt(PgStartup.SSL_REQUEST_CODE));
        assertThat(routedAndRefused.get()).isEqualTo(1);
        assertThat(rejections.total()).isZero();
        assertNothingHeld();
    }

    @Test
    void aClientThatStallsInItsFirstPacketIsClosedAtTimeoutClientHello() {
        EmbeddedChannel client = client();
        client.writeInbound(Unpooled.buffer().writeByte(0));
        client.advanceTimeBy(HELLO.toMillis() - 100, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isTrue();
        client.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(rejections.count(Reason.TIMEOUT)).isEqualTo(1);
        assertThat(routedAndRefused.get()).isZero();
        assertNothingHeld();
    }

    @Test
    void aClientGoneInItsFirstPacketGivesItsPlaceBackAtOnceAndIsNoRejection() {
        EmbeddedChannel client = client();
        client.writeInbound(Unpooled.buffer().writeByte(0));
        client.close();
        assertNothingHeld();
        client.advanceTimeBy(HELLO.toMillis() * 2, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(rejections.total()).as("gone of its own accord: not a rejection").isZero();
    }

    @Test
    void aClientThatEndsItsSideInItsFirstPacketIsClosed() {
        EmbeddedChannel client = client();
        client.writeInbound(Unpooled.buffer().writeInt(40));
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(client.isOpen()).isFalse();
        assertThat(rejections.count(Reason.INCOMPLETE)).isEqualTo(1);
        assertNothingHeld();
    }

    @Test
    void aLengthOutOfBoundsIsClosedWithoutAWordAsPostgresqlDoes() {
        for (int length : new int[] {3, 10_001}) {
            EmbeddedChannel client = client();
            client.writeInbound(Unpooled.buffer().writeInt(length));
            assertThat(client.isOpen()).isFalse();
            assertThat((Object) client.readOutbound()).isNull();
        }
        EmbeddedChannel http = client();
        http.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(http.isOpen()).isFalse();
        assertThat(rejections.count(Reason.INVALID)).isEqualTo(3);
        assertThat(routedAndRefused.get()).isZero();
        assertNothingHeld();
    }

    @Test
    void anotherProtocolOrABadLayoutIsAnsweredFatalThenClosed() {
        EmbeddedChannel v2 = client();
        v2.writeInbound(Unpooled.buffer().writeInt(296).writeInt(2 << 16).writeZero(288));
        assertThat(fatal(v2)).contains("C0A000").contains("unsupported frontend protocol 2.0");
        assertThat(v2.isOpen()).isFalse();

        EmbeddedChannel open = client();
        open.writeInbound(Unpooled.buffer().writeInt(12).writeInt(3 << 16).writeBytes("user".getBytes(
                StandardCharsets.US_ASCII)));
        assertThat(fatal(open)).contains("C08P01").contains("invalid startup packet layout");
        assertThat(open.isOpen()).isFalse();
        assertThat(rejections.count(Reason.INVALID)).isEqualTo(2);
        assertNothingHeld();
    }

    private static String fatal(EmbeddedChannel client) {
        ByteBuf answer = client.readOutbound();
        try {
            assertThat(answer.getByte(0)).as("an ErrorResponse").isEqualTo((byte) 'E');
            return answer.toString(StandardCharsets.UTF_8);
        } finally {
            answer.release();
        }
    }

    @Test
    void pastTheBoundTheNewestClientIsClosedAndTheOthersKeepTheirPlace() {
        EmbeddedChannel first = client();
        first.writeInbound(Unpooled.buffer().writeByte(0));
        EmbeddedChannel newest = client();
        assertThat(newest.isOpen()).isFalse();
        assertThat(rejections.count(Reason.OVER_LIMIT)).isEqualTo(1);
        assertThat(first.isOpen()).isTrue();
        assertThat(places.inUse()).isEqualTo(1);

        ByteBuf rest = startupMessage().skipBytes(1);
        first.writeInbound(Unpooled.buffer().writeByte(0).skipBytes(1));
        first.writeInbound(rest);
        assertThat(routedAndRefused.get()).as("the first went on").isEqualTo(1);
        assertNothingHeld();
    }
}

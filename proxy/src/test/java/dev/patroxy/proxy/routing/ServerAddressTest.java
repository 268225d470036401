package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.patroxy.config.HostPort;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ServerAddressTest {
    private static final InetAddress FIRST = address("10.0.0.1");
    private static final InetAddress SECOND = address("10.0.0.2");

    /** Lookups queued here run only when a test says so. */
    private final Queue<Runnable> resolving = new ArrayDeque<>();
    private final Queue<Object> answers = new ArrayDeque<>();
    private long now = 1_000;
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ServerAddress.class);

    ServerAddressTest() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress("pg01.db", InetAddress.getByName(literal).getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Blocks a lookup as a dead name server would. */
    private static void await(CountDownLatch answer) throws UnknownHostException {
        try {
            answer.await();
        } catch (InterruptedException e) {
            throw new UnknownHostException("interrupted");
        }
    }

    private InetAddress answer(String host) throws UnknownHostException {
        assertThat(host).isEqualTo("pg01.db");
        Object next = answers.remove();
        if (next instanceof UnknownHostException e) {
            throw e;
        }
        return (InetAddress) next;
    }

    private ServerAddress started() {
        ServerAddress address = new ServerAddress("primary/pg01", new HostPort("pg01.db", 5432), this::answer,
                resolving::add, () -> now);
        address.start();
        return address;
    }

    private void runLookups() {
        while (!resolving.isEmpty()) {
            resolving.remove().run();
        }
    }

    private void advance(Duration by) {
        now += by.toNanos();
    }

    @Test
    void anIpLiteralIsNeverLookedUp() {
        ServerAddress literal = new ServerAddress("primary/pg01", new HostPort("127.0.0.1", 5432), this::answer,
                resolving::add, () -> now);
        literal.start();
        InetSocketAddress first = literal.forConnect();
        literal.connectFailed();
        advance(Duration.ofHours(1));

        assertThat(literal.forConnect()).isSameAs(first).isEqualTo(new InetSocketAddress("127.0.0.1", 5432));
        assertThat(resolving).isEmpty();
    }

    @Test
    void theFirstAnswerIsSharedByEveryConnection() {
        answers.add(FIRST);
        ServerAddress address = started();
        runLookups();

        InetSocketAddress first = address.forConnect();
        assertThat(first.getAddress()).isEqualTo(FIRST);
        assertThat(first.getPort()).isEqualTo(5432);
        assertThat(address.forConnect()).isSameAs(first);
        assertThat(resolving).as("nothing due before " + ServerAddress.RESOLVED_FOR).isEmpty();
    }

    @Test
    void aConnectionWhileTheNameIsLookedUpAgainGoesToTheLastGoodAddress() {
        answers.add(FIRST);
        answers.add(SECOND);
        ServerAddress address = started();
        runLookups();
        advance(ServerAddress.RESOLVED_FOR.plusMillis(1));

        assertThat(address.forConnect().getAddress()).isEqualTo(FIRST);
        assertThat(resolving).as("a lookup started").hasSize(1);
        assertThat(address.forConnect().getAddress()).isEqualTo(FIRST);
        assertThat(resolving).as("one at a time").hasSize(1);

        runLookups();
        assertThat(address.forConnect().getAddress()).isEqualTo(SECOND);
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("primary/pg01: pg01.db now resolves to 10.0.0.2 (was 10.0.0.1)");
    }

    @Test
    void aFailedConnectionLooksTheNameUpAgainAtMostOncePerRetryInterval() {
        answers.add(FIRST);
        answers.add(SECOND);
        answers.add(FIRST);
        ServerAddress address = started();
        runLookups();
        advance(ServerAddress.RETRY_AFTER);

        address.connectFailed();
        assertThat(address.forConnect().getAddress()).as("until the lookup answers").isEqualTo(FIRST);
        runLookups();
        assertThat(address.forConnect().getAddress()).isEqualTo(SECOND);

        address.connectFailed();
        assertThat(resolving).as("within " + ServerAddress.RETRY_AFTER + " of the last lookup").isEmpty();
        advance(ServerAddress.RETRY_AFTER);
        assertThat(address.forConnect().getAddress()).isEqualTo(SECOND);
        assertThat(resolving).hasSize(1);
    }

    @Test
    void aFailedLookupKeepsTheLastGoodAddressIsCountedAndLoggedAtMostOncePerInterval() {
        answers.add(FIRST);
        ServerAddress address = started();
        runLookups();
        advance(ServerAddress.RESOLVED_FOR.plusMillis(1));
        for (int i = 0; i < 5; i++) {
            answers.add(new UnknownHostException("pg01.db: Name or service not known"));
            address.forConnect();
            runLookups();
            advance(ServerAddress.RETRY_AFTER);
        }

        assertThat(address.forConnect().getAddress()).isEqualTo(FIRST);
        assertThat(address.failedLookups()).isEqualTo(5);
        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("primary/pg01: cannot resolve pg01.db (1 failed"
                + " lookups since the last line): pg01.db: Name or service not known; connecting to 10.0.0.1 meanwhile");

        advance(ServerAddress.LOG_EVERY);
        answers.add(new UnknownHostException("pg01.db: Name or service not known"));
        address.forConnect();
        runLookups();
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getFormattedMessage()).contains("(5 failed lookups since the last line)");

        answers.add(SECOND);
        advance(ServerAddress.RETRY_AFTER);
        address.forConnect();
        runLookups();
        assertThat(address.forConnect().getAddress()).isEqualTo(SECOND);
        assertThat(lines.list.get(2).getFormattedMessage())
                .isEqualTo("primary/pg01: pg01.db resolves again, to 10.0.0.2");
    }

    @Test
    void aConnectionBeforeTheFirstAnswerWaitsForIt() {
        answers.add(FIRST);
        ServerAddress address = started();
        InetSocketAddress pending = address.forConnect();
        assertThat(pending.isUnresolved()).isTrue();

        Future<InetSocketAddress> resolved = address.resolverGroup().getResolver(null).resolve(pending);
        assertThat(resolved.isDone()).isFalse();

        runLookups();
        assertThat(resolved.isSuccess()).isTrue();
        assertThat(resolved.getNow().getAddress()).isEqualTo(FIRST);
    }

    @Test
    void aConnectionWithNoGoodAddressFailsAtOnceWhileAFailedLookupWaitsToBeTriedAgain() {
        answers.add(new UnknownHostException("pg01.db"));
        ServerAddress address = started();
        Future<InetSocketAddress> waited = address.resolverGroup().getResolver(null).resolve(address.forConnect());
        runLookups();
        assertThat(waited.cause()).isInstanceOf(UnknownHostException.class);
        assertThat(lines.list.get(0).getFormattedMessage()).endsWith("no connection until it resolves");

        Future<InetSocketAddress> refused = address.resolverGroup().getResolver(null).resolve(address.forConnect());
        assertThat(refused.cause()).isInstanceOf(UnknownHostException.class);
        assertThat(resolving).isEmpty();
    }

    @Test
    void theLookupRunsOnAResolvingThreadNeverOnTheEventLoop() throws Exception {
        ExecutorService resolvingThread = Executors.newSingleThreadExecutor();
        DefaultEventLoop loop = new DefaultEventLoop();
        CountDownLatch lookupMayAnswer = new CountDownLatch(1);
        AtomicReference<Thread> lookedUpOn = new AtomicReference<>();
        try {
            ServerAddress address = new ServerAddress("primary/pg01", new HostPort("pg01.db", 5432), host -> {
                lookedUpOn.set(Thread.currentThread());
                await(lookupMayAnswer);
                return FIRST;
            }, resolvingThread, System::nanoTime);
            Thread loopThread = loop.submit(Thread::currentThread).get();

            InetSocketAddress meanwhile = loop.submit(() -> {
                address.start();
                return address.forConnect();
            }).get(10, TimeUnit.SECONDS);
            assertThat(meanwhile.isUnresolved()).as("returned while the lookup is blocked").isTrue();

            lookupMayAnswer.countDown();
            Future<InetSocketAddress> resolved = loop.submit(
                    () -> address.resolverGroup().getResolver(loop).resolve(meanwhile)).get();
            assertThat(resolved.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(resolved.getNow().getAddress()).isEqualTo(FIRST);
            assertThat(lookedUpOn.get()).isNotNull().isNotSameAs(loopThread);
        } finally {
            lookupMayAnswer.countDown();
            resolvingThread.shutdownNow();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBootstrapConnectsOnceTheFirstLookupAnswers() throws Exception {
        ExecutorService resolvingThread = Executors.newSingleThreadExecutor();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CountDownLatch lookupMayAnswer = new CountDownLatch(1);
        try (ServerSocket postgres = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServerAddress address = new ServerAddress("primary/pg01",
                    new HostPort("pg01.db", postgres.getLocalPort()), host -> {
                        await(lookupMayAnswer);
                        return InetAddress.getLoopbackAddress();
                    }, resolvingThread, System::nanoTime);
            address.start();

            ChannelFuture connecting = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .resolver(address.resolverGroup())
                    .connect(address.forConnect());
            assertThat(connecting.await(200, TimeUnit.MILLISECONDS)).as("waits for the lookup").isFalse();

            lookupMayAnswer.countDown();
            assertThat(connecting.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(connecting.isSuccess()).as(String.valueOf(connecting.cause())).isTrue();
            Channel channel = connecting.channel();
            assertThat(((InetSocketAddress) channel.remoteAddress()).getPort()).isEqualTo(postgres.getLocalPort());
            channel.close().sync();
        } finally {
            lookupMayAnswer.countDown();
            resolvingThread.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}

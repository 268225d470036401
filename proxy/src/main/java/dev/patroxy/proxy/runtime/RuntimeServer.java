package dev.patroxy.proxy.runtime;

import dev.patroxy.config.AdminConfig;
import dev.patroxy.config.AdminLevel;
import dev.patroxy.config.BindAddress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the runtime API on the {@code admin} section's UNIX socket and TCP bind, on an event loop of its own. A
 * reload hands it the new section: the same path and bind keep serving (a changed mode, owner or group is applied to
 * the file), a changed one is bound before the old one is closed, so a reload that cannot bind changes nothing.
 */
public final class RuntimeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeServer.class);
    /** Linux's {@code S_IFMT} and {@code S_IFSOCK}, as {@code unix:mode} gives them. */
    private static final int FILE_TYPE = 0170000;
    private static final int SOCKET_TYPE = 0140000;
    /** Answers are small (a CSV of a few servers); a client that takes none of one stops being read. */
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(2);
    private static final WriteBufferWaterMark OUTBOUND = new WriteBufferWaterMark(16 * 1024, 64 * 1024);

    private final RuntimeCommands commands;
    private final RuntimeTransport transport;
    /**
     * Binds and accepts. Apart from the connections' loop: a reload binds from a thread that holds the daemon's lock,
     * which a command in progress on the connections' loop may be waiting for (to read the stats).
     */
    private final EventLoopGroup acceptor;
    private final EventLoopGroup connections;
    private final AtomicInteger open = new AtomicInteger();
    private volatile AdminConfig.Limits limits = AdminConfig.Limits.DEFAULTS;
    private boolean warmedUp;
    private volatile AdminLevel unixLevel = AdminConfig.Socket.DEFAULT_LEVEL;
    private volatile AdminLevel tcpLevel = AdminConfig.DEFAULT_BIND_LEVEL;
    /** The bindings served now, null for none. */
    private UnixBinding unix;
    private TcpBinding tcp;

    private record UnixBinding(AdminConfig.Socket socket, Channel channel) {
    }

    private record TcpBinding(BindAddress address, Channel channel) {
    }

    public RuntimeServer(RuntimeCommands commands) {
        this(commands, RuntimeTransport.best());
    }

    RuntimeServer(RuntimeCommands commands, RuntimeTransport transport) {
        this.commands = commands;
        this.transport = transport;
        this.acceptor = transport.newEventLoopGroup();
        this.connections = transport.newEventLoopGroup();
    }

    /**
     * Serves what {@code admin} says from now on, binding what is new before closing what it no longer names.
     *
     * @throws IllegalStateException when something new cannot be bound; what served before still does
     */
    public synchronized void apply(AdminConfig admin) {
        Path path = admin.socket().map(AdminConfig.Socket::path).orElse(null);
        boolean unixChanges = !Objects.equals(unix == null ? null : unix.socket().path(), path);
        boolean tcpChanges = !Objects.equals(tcp == null ? null : tcp.address(), admin.bind().orElse(null));
        UnixBinding boundUnix = null;
        TcpBinding boundTcp = null;
        AdminLevel unixBefore = unixLevel;
        AdminLevel tcpBefore = tcpLevel;
        // Set before binding: the first connection a new socket accepts already has its level.
        unixLevel = admin.socket().map(AdminConfig.Socket::level).orElse(AdminConfig.Socket.DEFAULT_LEVEL);
        tcpLevel = admin.bindLevel();
        try {
            if (unixChanges && path != null) {
                boundUnix = bindUnix(admin.socket().get());
            }
            if (tcpChanges && admin.bind().isPresent()) {
                boundTcp = bindTcp(admin.bind().get());
            }
            if (!unixChanges && path != null) {
                applyAttributes(admin.socket().get(), path);
            }
        } catch (RuntimeException e) {
            if (boundUnix != null) {
                closeUnix(boundUnix);
            }
            if (boundTcp != null) {
                boundTcp.channel().close().syncUninterruptibly();
            }
            unixLevel = unixBefore;
            tcpLevel = tcpBefore;
            throw e;
        }
        if (unixChanges) {
            if (unix != null) {
                closeUnix(unix);
            }
            unix = boundUnix;
        } else if (unix != null) {
            unix = new UnixBinding(admin.socket().get(), unix.channel());
        }
        if (tcpChanges) {
            if (tcp != null) {
                tcp.channel().close().syncUninterruptibly();
            }
            tcp = boundTcp;
        }
        limits = admin.limits();
        if (admin.serves() && !warmedUp) {
            warmedUp = true;
            warmUp(unix != null ? UnixDomainSocketAddress.of(unix.socket().path()) : admin.bind().get()
                    .toSocketAddress());
        }
        if (admin.serves()) {
            log.info("runtime API on {} ({}; at most {} connections, lines of {} bytes, idle {} ms)",
                    describe(admin), transport.name(), limits.maxconn(), limits.maxLineLength(),
                    limits.timeout().toMillis());
        }
    }

    /**
     * Sends the reading commands once through the socket itself as soon as the API serves, waiting for the answers
     * at most {@link #WARM_UP_LIMIT} (on a thread of its own, so that the wait is bounded):
     * the first connection after a start otherwise loads the classes of the whole path while its client waits (a
     * fifth of a second on an idle machine, more on a busy one), and socat gives up on an answer 0.5 s after its
     * input ends, printing nothing.
     */
    private void warmUp(SocketAddress address) {
        Thread thread = new Thread(() -> {
            try (SocketChannel channel = SocketChannel.open(address)) {
                channel.write(ByteBuffer.wrap("show info; show stat; show servers state; show cluster; help\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer answer = ByteBuffer.allocate(8192);
                while (channel.read(answer.clear()) >= 0) {
                    // The answers only need to have been made.
                }
            } catch (IOException e) {
                log.debug("runtime API: warming up through {} failed", address, e);
            }
        }, "patroxy-runtime-warm-up");
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join(WARM_UP_LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(AdminConfig admin) {
        StringBuilder out = new StringBuilder();
        admin.socket().ifPresent(s -> out.append(s.path()).append(" mode ").append(Integer.toOctalString(s.mode()))
                .append(" level ").append(s.level().configName()));
        admin.bind().ifPresent(b -> out.append(out.length() > 0 ? " and " : "").append("tcp ").append(b)
                .append(" level ").append(admin.bindLevel().configName()));
        return out.toString();
    }

    /** The UNIX socket served now, if any. */
    public synchronized Optional<Path> socketPath() {
        return Optional.ofNullable(unix).map(u -> u.socket().path());
    }

    /** Connections open now. */
    int openConnections() {
        return open.get();
    }

    /** @param level what a connection accepted now may do; read per connection, since a reload may change it */
    private ServerBootstrap bootstrap(Class<? extends ServerChannel> channel, Supplier<AdminLevel> level) {
        return new ServerBootstrap()
                .group(acceptor, connections)
                .channel(channel)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, OUTBOUND)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        AdminConfig.Limits l = limits;
                        ch.pipeline().addLast(new ConnectionLimit(l.maxconn()))
                                .addLast(CliHandler.IDLE_HANDLER, CliHandler.idleHandler(l.timeout()))
                                .addLast(new CliLineDecoder(l.maxLineLength()))
                                .addLast(new CliHandler(commands, l.timeout(), level.get()));
                    }
                });
    }

    /**
     * Binds beside the path and renames the socket into place once its mode and owner are set, as HAProxy does: no
     * client ever finds it with other permissions, and a stale socket from a process that died is replaced at once.
     */
    private UnixBinding bindUnix(AdminConfig.Socket socket) {
        Path path = socket.path();
        refuseUnlessStale(path);
        Path temporary = path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        boolean renamed = temporary.toString().getBytes(StandardCharsets.UTF_8).length
                <= AdminConfig.Socket.MAX_PATH_BYTES;
        Path bindAt = renamed ? temporary : path;
        try {
            Files.deleteIfExists(bindAt);
        } catch (IOException e) {
            throw new IllegalStateException("admin.socket: cannot remove the stale socket " + bindAt + ": " + e, e);
        }
        Channel channel;
        try {
            channel = bootstrap(transport.unixChannel(), () -> unixLevel).bind(transport.unixAddress().apply(bindAt))
                    .syncUninterruptibly().channel();
        } catch (Exception e) {
            // Netty's native bind failures are IOExceptions it throws unchecked.
            throw new IllegalStateException("admin.socket: cannot bind " + path + ": " + e.getMessage(), e);
        }
        try {
            applyAttributes(socket, bindAt);
            if (renamed) {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            channel.close().syncUninterruptibly();
            deleteQuietly(bindAt);
            throw new IllegalStateException("admin.socket: cannot set up " + path + ": " + e, e);
        }
        return new UnixBinding(socket, channel);
    }

    /** A file that is no socket, or a socket another process still answers on, is not patroxy's to replace. */
    private static void refuseUnlessStale(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new IllegalStateException("admin.socket: cannot read " + path + ": " + e, e);
        }
        if ((mode & FILE_TYPE) != SOCKET_TYPE) {
            throw new IllegalStateException("admin.socket: " + path + " exists and is not a socket; patroxy only"
                    + " replaces a stale socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException stale) {
            // Nobody answers: left by a process that ended without removing it.
            return;
        }
        throw new IllegalStateException("admin.socket: another process serves " + path
                + " (a second patroxy?); stop it or choose another path");
    }

    private static void applyAttributes(AdminConfig.Socket socket, Path at) {
        try {
            Files.setPosixFilePermissions(at, permissions(socket.mode()));
            UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(at, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (socket.owner().isPresent()) {
                view.setOwner(users.lookupPrincipalByName(socket.owner().get()));
            }
            if (socket.group().isPresent()) {
                view.setGroup(users.lookupPrincipalByGroupName(socket.group().get()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the mode, owner or group of " + at + ": " + e.getMessage(), e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values();
        for (int i = 0; i < bits.length; i++) {
            // OWNER_READ is bit 8 (0400) down to OTHERS_EXECUTE, bit 0.
            if ((mode & (1 << (bits.length - 1 - i))) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    private TcpBinding bindTcp(BindAddress address) {
        try {
            Channel channel = bootstrap(transport.tcpChannel(), () -> tcpLevel).bind(address.toSocketAddress()).syncUninterruptibly()
                    .channel();
            return new TcpBinding(address, channel);
        } catch (Exception e) {
            throw new IllegalStateException("admin.bind: cannot bind " + address + ": " + e.getMessage(), e);
        }
    }

    private static void closeUnix(UnixBinding binding) {
        binding.channel().close().syncUninterruptibly();
        deleteQuietly(binding.socket().path());
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove the runtime API socket {}: {}", path, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (unix != null) {
            closeUnix(unix);
            unix = null;
        }
        if (tcp != null) {
            tcp.channel().close().syncUninterruptibly();
            tcp = null;
        }
        connections.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Counts connections; one past {@code maxconn} is told why and closed, as the stats server closes its extras. */
    private final class ConnectionLimit extends ChannelInboundHandlerAdapter {
        private final int maxconn;
        private boolean counted;

        ConnectionLimit(int maxconn) {
            this.maxconn = maxconn;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (open.incrementAndGet() > maxconn) {
                open.decrementAndGet();
                ctx.channel().config().setAutoRead(false);
                ctx.writeAndFlush(Unpooled.copiedBuffer("Too many runtime API connections (admin.maxconn is "
                        + maxconn + "); try again later.\n", StandardCharsets.UTF_8))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            counted = true;
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (counted) {
                open.decrementAndGet();
            }
            super.channelInactive(ctx);
        }
    }
}

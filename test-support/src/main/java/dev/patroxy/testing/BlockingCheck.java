package dev.patroxy.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;

/**
 * Fails a test during which a Netty event loop made a blocking call (a lock wait, a sleep, a DNS lookup, a
 * synchronous write to a file): one such call stalls every session on that loop. BlockHound is
 * installed once per test JVM; Netty's own integration (netty-common's {@code NettyBlockHoundIntegration}) tells
 * it which threads are event loops and which of Netty's own waits are fine. Registered for every test through
 * JUnit's extension autodetection.
 * <p>
 * Under surefire the console is a buffer in the test JVM, not a write(2), so a synchronous console appender on an
 * event loop goes unseen here.
 * <p>
 * The call is recorded and allowed to go on rather than thrown into the event loop, where it would surface, if at
 * all, as some other failure; the test fails afterwards with the thread and the stack of each call.
 */
public final class BlockingCheck implements BeforeAllCallback, AfterEachCallback {
    private static final ConcurrentLinkedQueue<String> CALLS = new ConcurrentLinkedQueue<>();
    private static boolean installed;

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> calls = takeCalls();
        if (!calls.isEmpty()) {
            throw new AssertionError(calls.size() + " blocking call(s) on an event loop during "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", calls));
        }
    }

    static synchronized void install() {
        if (!installed) {
            BlockHound.builder().loadIntegrations()
                    // Host name resolution: the JDK's resolver waits on the network, or on the hosts file at best.
                    .markAsBlocking("java/net/Inet6AddressImpl", "lookupAllHostAddr",
                            "(Ljava/lang/String;)[Ljava/net/InetAddress;")
                    .markAsBlocking("java/net/Inet4AddressImpl", "lookupAllHostAddr",
                            "(Ljava/lang/String;)[Ljava/net/InetAddress;")
                    // Netty 4.2.18's io_uring loop spins (Thread.onSpinWait) while its ring closes, when the loop
                    // is being shut down: no session is left to stall. Netty's own integration lacks this entry.
                    .allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "closeWakeupGate")
                    .blockingMethodCallback(BlockingCheck::record)
                    .install();
            installed = true;
        }
    }

    /** The blocking calls made on event loops since the last call, oldest first. */
    static List<String> takeCalls() {
        List<String> taken = new ArrayList<>();
        for (String call = CALLS.poll(); call != null; call = CALLS.poll()) {
            taken.add(call);
        }
        return taken;
    }

    private static void record(BlockingMethod method) {
        String stack = Arrays.stream(Thread.currentThread().getStackTrace()).skip(2)
                .map(frame -> "\tat " + frame).collect(Collectors.joining("\n"));
        CALLS.add(method + " on " + Thread.currentThread().getName() + "\n" + stack);
    }
}

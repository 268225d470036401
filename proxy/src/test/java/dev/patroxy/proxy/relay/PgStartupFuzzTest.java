package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/** Any bytes a client opens with: {@link PgStartup#next} takes whole messages or nothing, however they arrive. */
class PgStartupFuzzTest {
    @FuzzTest
    void takesWholeMessagesWhateverTheSplit(byte[] client) {
        List<PgStartup.Kind> atOnce = kinds(Unpooled.wrappedBuffer(client));

        // The same bytes one at a time, as a slow client or a small TCP segment delivers them.
        List<PgStartup.Kind> byteByByte = new ArrayList<>();
        ByteBuf arriving = Unpooled.buffer();
        for (byte b : client) {
            arriving.writeByte(b);
            PgStartup.Kind kind = checkedNext(arriving);
            if (kind == PgStartup.Kind.MALFORMED) {
                byteByByte.add(kind);
                break;
            }
            if (kind != null) {
                byteByByte.add(kind);
                arriving.discardReadBytes();
            }
        }

        assertThat(byteByByte).isEqualTo(atOnce);
    }

    /** Every message of {@code in} up to the first MALFORMED or incomplete one. */
    private static List<PgStartup.Kind> kinds(ByteBuf in) {
        List<PgStartup.Kind> kinds = new ArrayList<>();
        for (PgStartup.Kind kind = checkedNext(in); kind != null; kind = checkedNext(in)) {
            kinds.add(kind);
            if (kind == PgStartup.Kind.MALFORMED) {
                break;
            }
        }
        return kinds;
    }

    /** {@link PgStartup#next}, checked against what its length and code announce. */
    private static PgStartup.Kind checkedNext(ByteBuf in) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        PgStartup.Kind kind = PgStartup.next(in);
        int consumed = in.readerIndex() - start;
        if (kind == null) {
            assertThat(consumed).as("consumed while waiting for more").isZero();
            assertThat(available < 4 || available < in.getInt(start)).as("waits only for announced bytes").isTrue();
            return null;
        }
        int length = in.getInt(start);
        if (kind == PgStartup.Kind.MALFORMED) {
            assertThat(consumed).isIn(0, length);
            return kind;
        }
        assertThat(consumed).as("a whole message, its length included").isEqualTo(length);
        assertThat(length).isBetween(8, PgStartup.MAX_LENGTH);
        int code = in.getInt(start + 4);
        switch (kind) {
            case SSL_REQUEST -> assertThat(code).isEqualTo(PgStartup.SSL_REQUEST_CODE);
            case GSSENC_REQUEST -> assertThat(code).isEqualTo(PgStartup.GSSENC_REQUEST_CODE);
            case CANCEL_REQUEST -> assertThat(code).isEqualTo(PgStartup.CANCEL_REQUEST_CODE);
            case STARTUP -> {
                assertThat(code >>> 16).as("protocol major version").isEqualTo(PgStartup.PROTOCOL_3);
                assertThat(in.getByte(start + length - 1)).as("parameters end with a NUL").isZero();
            }
            default -> throw new AssertionError(kind);
        }
        return kind;
    }
}

package dev.patroxy.proxy.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Cuts what a runtime API client sends into lines of at most {@code maxLineLength} bytes, and hands on one line only
 * while the client takes its answers: a client that sends commands without reading the answers finds its commands
 * left unread (reading stops) once the outbound buffer is full, so what it costs stays bounded.
 */
final class CliLineDecoder extends ByteToMessageDecoder {
    /** A line, and whether more of what the client sent is already here (HAProxy's test to go on without prompt). */
    record Line(String text, boolean more) {
    }

    /** A line longer than the limit: it is not read, and the connection ends. */
    record TooLong(int maxLineLength) {
    }

    private final int maxLineLength;

    CliLineDecoder(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
            return;
        }
        int end = in.indexOf(in.readerIndex(), in.readerIndex() + Math.min(in.readableBytes(), maxLineLength + 1),
                (byte) '\n');
        if (end < 0) {
            if (in.readableBytes() > maxLineLength) {
                in.skipBytes(in.readableBytes());
                out.add(new TooLong(maxLineLength));
            }
            return;
        }
        out.add(line(in, end - in.readerIndex(), 1));
    }

    /** A last line without its newline, when the client shut its side: taken as a line. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (out.isEmpty() && in.isReadable() && ctx.channel().isWritable()) {
            out.add(line(in, in.readableBytes(), 0));
        }
    }

    private static Line line(ByteBuf in, int length, int delimiter) {
        int textLength = length > 0 && in.getByte(in.readerIndex() + length - 1) == '\r' ? length - 1 : length;
        String text = in.toString(in.readerIndex(), textLength, StandardCharsets.UTF_8);
        in.skipBytes(length + delimiter);
        return new Line(text, in.isReadable());
    }

    /** Once the client has taken enough of the answers, the commands it sent meanwhile are read. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
        }
        super.channelWritabilityChanged(ctx);
    }
}

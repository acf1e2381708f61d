package io.robustbounds.caffe;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over one protobuf message (proto2 wire format) within a byte array: tags, varints, fixed 32/64-bit
 * values, length-delimited payloads and skipping of unknown fields. Every error names {@link #path} and the
 * byte offset where it occurred.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private int pos;
    private String path;
    private int fieldStart;

    ProtoReader(byte[] buf, int start, int end, String path) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.path = path;
        this.fieldStart = start;
    }

    String path() {
        return path;
    }

    /** Changes the path used in errors, e.g. once a layer's name is known. */
    void setPath(String path) {
        this.path = path;
    }

    /** Offset of the current field's tag. */
    int fieldStart() {
        return fieldStart;
    }

    int position() {
        return pos;
    }

    boolean hasMore() {
        return pos < end;
    }

    CaffeFormatException error(String detail) {
        return new CaffeFormatException(path, fieldStart, detail);
    }

    CaffeFormatException errorAt(int offset, String detail) {
        return new CaffeFormatException(path, offset, detail);
    }

    /** Reads the next tag (field number << 3 | wire type); call only when {@link #hasMore()}. */
    int readTag() {
        fieldStart = pos;
        long tag = readVarint();
        int field = (int) (tag >>> 3);
        if (tag >>> 3 > 0x1FFFFFFFL || field == 0) {
            throw errorAt(fieldStart, "invalid field number " + (tag >>> 3));
        }
        int wire = (int) (tag & 7);
        if (wire > FIXED32) {
            throw errorAt(fieldStart, "bad wire type " + wire + " for field " + field);
        }
        return (int) tag;
    }

    static int field(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    long readVarint() {
        int start = pos;
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw errorAt(start, "truncated varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw errorAt(start, "malformed varint (more than 10 bytes)");
    }

    int readFixed32() {
        need(4, "truncated 32-bit value");
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long readFixed64() {
        need(8, "truncated 64-bit value");
        long lo = readFixed32() & 0xFFFFFFFFL;
        long hi = readFixed32() & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    private void need(int n, String detail) {
        if (end - pos < n) {
            throw errorAt(pos, detail + ": " + n + " bytes needed, " + (end - pos) + " left");
        }
    }

    /** Reads a length prefix and returns the payload's start; the cursor moves past the payload. */
    int readLengthPrefix() {
        int lenAt = pos;
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw errorAt(lenAt, "length " + len + " runs past the end of the enclosing message ("
                    + (end - pos) + " bytes left)");
        }
        int start = pos;
        pos += (int) len;
        return start;
    }

    /** A reader over the length-delimited payload that follows, with the given path. */
    ProtoReader readMessage(String childPath) {
        int start = readLengthPrefix();
        return new ProtoReader(buf, start, pos, childPath);
    }

    String readString() {
        int start = readLengthPrefix();
        return new String(buf, start, pos - start, StandardCharsets.UTF_8);
    }

    /** Skips the value of a field with the given tag (already read). */
    void skip(int tag) {
        switch (wireType(tag)) {
            case VARINT -> readVarint();
            case FIXED64 -> readFixed64();
            case LENGTH_DELIMITED -> readLengthPrefix();
            case FIXED32 -> readFixed32();
            case START_GROUP -> skipGroup(field(tag));
            case END_GROUP -> throw errorAt(fieldStart, "unexpected end-group for field " + field(tag));
            default -> throw errorAt(fieldStart, "bad wire type " + wireType(tag));
        }
    }

    private void skipGroup(int field) {
        int groupStart = fieldStart;
        while (true) {
            if (pos >= end) {
                throw errorAt(groupStart, "truncated group for field " + field);
            }
            int tag = readTag();
            if (wireType(tag) == END_GROUP) {
                if (field(tag) != field) {
                    throw errorAt(fieldStart, "end-group for field " + field(tag) + " inside group " + field);
                }
                fieldStart = groupStart;
                return;
            }
            skip(tag);
        }
    }

    /** Throws unless the tag has the expected wire type; {@code name} is the field's name in caffe.proto. */
    void expect(int tag, int wire, String name) {
        if (wireType(tag) != wire) {
            throw error("bad wire type " + wireType(tag) + " for " + name + " (field " + field(tag)
                    + "), expected " + wire);
        }
    }

    /** Appends a repeated float field, packed (wire type 2) or not (wire type 5). */
    void readFloats(int tag, String name, FloatList out) {
        if (wireType(tag) == FIXED32) {
            out.add(Float.intBitsToFloat(readFixed32()));
            return;
        }
        expect(tag, LENGTH_DELIMITED, name);
        int start = readLengthPrefix();
        int len = pos - start;
        if (len % 4 != 0) {
            throw error("packed " + name + " of " + len + " bytes is not a multiple of 4");
        }
        int saved = pos;
        pos = start;
        out.ensure(len / 4);
        for (int i = 0; i < len / 4; i++) {
            out.add(Float.intBitsToFloat(readFixed32()));
        }
        pos = saved;
    }

    /** Appends a repeated double field, packed (wire type 2) or not (wire type 1). */
    void readDoubles(int tag, String name, DoubleList out) {
        if (wireType(tag) == FIXED64) {
            out.add(Double.longBitsToDouble(readFixed64()));
            return;
        }
        expect(tag, LENGTH_DELIMITED, name);
        int start = readLengthPrefix();
        int len = pos - start;
        if (len % 8 != 0) {
            throw error("packed " + name + " of " + len + " bytes is not a multiple of 8");
        }
        int saved = pos;
        pos = start;
        for (int i = 0; i < len / 8; i++) {
            out.add(Double.longBitsToDouble(readFixed64()));
        }
        pos = saved;
    }

    /** Appends a repeated varint field (int64/uint32/uint64), packed (wire type 2) or not (wire type 0). */
    void readVarints(int tag, String name, LongList out) {
        if (wireType(tag) == VARINT) {
            out.add(readVarint());
            return;
        }
        expect(tag, LENGTH_DELIMITED, name);
        int start = readLengthPrefix();
        int saved = pos;
        ProtoReader packed = new ProtoReader(buf, start, saved, path);
        packed.fieldStart = fieldStart;
        while (packed.hasMore()) {
            out.add(packed.readVarint());
        }
    }

    /** A single varint field (optional scalar; if repeated in the input, the last value wins, as in proto2). */
    long readVarintField(int tag, String name) {
        expect(tag, VARINT, name);
        return readVarint();
    }

    float readFloatField(int tag, String name) {
        expect(tag, FIXED32, name);
        return Float.intBitsToFloat(readFixed32());
    }

    String readStringField(int tag, String name) {
        expect(tag, LENGTH_DELIMITED, name);
        return readString();
    }

    /** A growable float array. */
    static final class FloatList {
        private float[] a = new float[16];
        private int n;

        void ensure(int more) {
            if (n + more > a.length) {
                a = Arrays.copyOf(a, Math.max(n + more, a.length * 2));
            }
        }

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** A growable double array. */
    static final class DoubleList {
        private double[] a = new double[16];
        private int n;

        void add(double v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        double[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** A growable long array. */
    static final class LongList {
        private long[] a = new long[4];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}

package io.robustbounds.caffe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Test helper: writes protobuf wire format field by field. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    ProtoWriter tag(int field, int wire) {
        return rawVarint((long) field << 3 | wire);
    }

    ProtoWriter raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    ProtoWriter rawFixed32(int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    ProtoWriter rawFixed64(long v) {
        rawFixed32((int) v);
        return rawFixed32((int) (v >>> 32));
    }

    ProtoWriter varint(int field, long v) {
        return tag(field, 0).rawVarint(v);
    }

    ProtoWriter fixed32(int field, int v) {
        return tag(field, 5).rawFixed32(v);
    }

    ProtoWriter fixed64(int field, long v) {
        return tag(field, 1).rawFixed64(v);
    }

    ProtoWriter floatField(int field, float v) {
        return fixed32(field, Float.floatToIntBits(v));
    }

    ProtoWriter doubleField(int field, double v) {
        return fixed64(field, Double.doubleToLongBits(v));
    }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2).rawVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    ProtoWriter packedFloats(int field, float... values) {
        ProtoWriter p = new ProtoWriter();
        for (float v : values) {
            p.rawFixed32(Float.floatToIntBits(v));
        }
        return bytes(field, p.toByteArray());
    }

    ProtoWriter packedDoubles(int field, double... values) {
        ProtoWriter p = new ProtoWriter();
        for (double v : values) {
            p.rawFixed64(Double.doubleToLongBits(v));
        }
        return bytes(field, p.toByteArray());
    }

    ProtoWriter packedVarints(int field, long... values) {
        ProtoWriter p = new ProtoWriter();
        for (long v : values) {
            p.rawVarint(v);
        }
        return bytes(field, p.toByteArray());
    }

    ProtoWriter merge(ProtoWriter other) {
        out.writeBytes(other.toByteArray());
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}

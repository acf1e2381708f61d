package io.robustbounds.results;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

/** A group's key values as Spark holds them internally (strings as UTF8String, copied out of the row). */
public record GroupKey(Object[] values) implements Serializable, Comparable<GroupKey> {
    /** The key of a row whose key i is at {@code positions[i]}, of type {@code types[i]}. */
    public static GroupKey of(InternalRow r, int[] positions, DataType[] types) {
        Object[] v = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Object x = r.isNullAt(positions[i]) ? null : r.get(positions[i], types[i]);
            v[i] = x instanceof UTF8String u ? u.clone() : x;
        }
        return new GroupKey(v);
    }

    /** Whether the row's keys are this key's values (no copy). */
    public boolean matches(InternalRow r, int[] positions, DataType[] types) {
        for (int i = 0; i < types.length; i++) {
            boolean isNull = r.isNullAt(positions[i]);
            if (isNull != (values[i] == null) || !isNull && !values[i].equals(r.get(positions[i], types[i]))) {
                return false;
            }
        }
        return true;
    }

    /** Keys of {@link ResultSummary#supported} types: a presence flag, then the value. */
    public void write(java.io.DataOutputStream out, DataType[] types) throws IOException {
        for (int i = 0; i < types.length; i++) {
            out.writeBoolean(values[i] != null);
            if (values[i] instanceof UTF8String u) {
                byte[] b = u.getBytes();
                out.writeInt(b.length);
                out.write(b);
            } else if (values[i] instanceof Integer x) {
                out.writeInt(x);
            } else if (values[i] instanceof Long x) {
                out.writeLong(x);
            } else if (values[i] instanceof Boolean x) {
                out.writeBoolean(x);
            } else if (values[i] != null) {
                throw new IOException("group key of type " + types[i].simpleString() + " is not summarized");
            }
        }
    }

    public static GroupKey read(java.io.DataInputStream in, DataType[] types) throws IOException {
        Object[] v = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            if (!in.readBoolean()) {
                continue;
            }
            DataType t = types[i];
            if (t.equals(DataTypes.StringType)) {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                v[i] = UTF8String.fromBytes(b);
            } else if (t.equals(DataTypes.IntegerType)) {
                v[i] = in.readInt();
            } else if (t.equals(DataTypes.LongType)) {
                v[i] = in.readLong();
            } else if (t.equals(DataTypes.BooleanType)) {
                v[i] = in.readBoolean();
            } else {
                throw new IOException("group key of type " + t.simpleString() + " is not summarized");
            }
        }
        return new GroupKey(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupKey k && Arrays.equals(values, k.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    /** Key by key, nulls first, as Spark's ascending sort. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compareTo(GroupKey o) {
        for (int i = 0; i < values.length; i++) {
            Object a = values[i];
            Object b = o.values[i];
            int c = a == null ? (b == null ? 0 : -1) : b == null ? 1 : ((Comparable) a).compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}

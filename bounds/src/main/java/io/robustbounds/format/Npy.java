package io.robustbounds.format;

import io.robustbounds.model.ModelException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy {@code .npy} files (format described in {@code numpy.lib.format} / NEP 1): magic {@code \x93NUMPY},
 * version byte pair, little-endian header length (2 bytes in 1.0, 4 in 2.0 and 3.0), a Python-literal dict
 * header {@code {'descr', 'fortran_order', 'shape'}} padded with spaces and {@code \n}, then the raw data.
 *
 * <p>Reads versions 1.0, 2.0 and 3.0 with dtypes {@code f2 f4 f8} (kept as FLOAT16, FLOAT, DOUBLE: bit-exact) in
 * either byte order, and {@code u1} (converted to FLOAT, exact), {@code i4} and {@code i8} (converted to DOUBLE;
 * exact for |v| ≤ 2^53, rounded beyond). Fortran-order files are read into the same logical array, returned in C
 * order. Writes FLOAT16/FLOAT/DOUBLE as C-order little-endian version 1.0 (2.0 if the header needs it), with the
 * header laid out exactly as {@code np.save} does. Data moves in bulk between byte chunks and native memory.
 * Every error is a {@link ModelException} whose message starts with the file name.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy.lib.format.ARRAY_ALIGN: the data starts at a multiple of 64 bytes. */
    private static final int ARRAY_ALIGN = 64;
    /** numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: header room left so the first axis can grow in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Refuse absurd header lengths instead of allocating them (numpy's own default limit is 10000). */
    private static final int MAX_HEADER_LENGTH = 1 << 20;
    /** Bytes moved per bulk copy; a multiple of every element size. */
    private static final int CHUNK = 1 << 20;

    /** The element types read: numpy kind and size, the ND4J type they become. */
    private enum Dtype {
        F2("f2", DataType.FLOAT16), F4("f4", DataType.FLOAT), F8("f8", DataType.DOUBLE),
        U1("u1", DataType.FLOAT), I4("i4", DataType.DOUBLE), I8("i8", DataType.DOUBLE);

        final String code;
        final int size;
        final DataType target;

        Dtype(String code, DataType target) {
            this.code = code;
            this.size = code.charAt(1) - '0';
            this.target = target;
        }

        /** Floats keep their bits: the file's bytes are the array's bytes, up to byte order. */
        boolean raw() {
            return code.charAt(0) == 'f';
        }
    }

    /** A parsed header: the dtype as written, its meaning, and the array's layout. */
    private record Header(String descr, Dtype dtype, ByteOrder order, boolean fortran, long[] shape) {
    }

    private Npy() {
    }

    /** Reads one .npy file; bytes after the data are an error. */
    public static INDArray read(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, file.toString(), true);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e, e);
        }
    }

    /**
     * Reads one array from the stream and stops right after its data (so several arrays saved one after another
     * to the same stream can be read in turn). Does not close the stream.
     */
    public static INDArray read(InputStream in, String nameForErrors) {
        return read(in, nameForErrors, false);
    }

    /** Reads a whole .npy file held in memory. */
    public static INDArray fromBytes(byte[] npy, String nameForErrors) {
        return read(new ByteArrayInputStream(npy), nameForErrors, true);
    }

    /** Reads one array; with {@code whole}, the stream must end right after the data. */
    static INDArray read(InputStream in, String name, boolean whole) {
        try {
            Header h = readHeader(in, name);
            INDArray a = readData(in, h, name);
            if (whole && in.read() != -1) {
                throw new ModelException(name + ": unexpected bytes after the data of shape " + pyShape(h.shape)
                        + " " + h.descr + " (the file is longer than its header says)");
            }
            return a;
        } catch (IOException e) {
            throw new ModelException(name + ": cannot read: " + e, e);
        }
    }

    /** Writes FLOAT16/FLOAT/DOUBLE as a C-order little-endian .npy file (replacing the file). */
    public static void write(INDArray array, Path file) {
        dtypeOf(array); // refuse before truncating the file
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            write(array, out);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot write: " + e, e);
        }
    }

    /** The bytes of the .npy file {@link #write(INDArray, Path)} would write (one bulk copy of the data). */
    public static byte[] toBytes(INDArray array) {
        Dtype dtype = dtypeOf(array);
        byte[] header = header("<" + dtype.code, array.shape());
        long size = header.length + array.length() * dtype.size;
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelException("array of shape " + pyShape(array.shape()) + " is too large for a byte[]; write it to a file");
        }
        byte[] npy = Arrays.copyOf(header, (int) size);
        if (!array.isEmpty()) {
            copyLittleEndian(contiguous(array), 0, npy, header.length, npy.length - header.length, dtype.size);
        }
        return npy;
    }

    /** Writes the array as .npy to the stream, in chunks; does not close the stream. */
    public static void write(INDArray array, OutputStream out) throws IOException {
        Dtype dtype = dtypeOf(array);
        out.write(header("<" + dtype.code, array.shape()));
        if (array.isEmpty()) {
            return;
        }
        INDArray c = contiguous(array);
        long bytes = c.length() * dtype.size;
        byte[] buf = new byte[(int) Math.min(CHUNK, bytes)];
        for (long done = 0; done < bytes; ) {
            int len = (int) Math.min(buf.length, bytes - done);
            copyLittleEndian(c, done, buf, 0, len, dtype.size);
            out.write(buf, 0, len);
            done += len;
        }
    }

    /** Copies len bytes of a contiguous array's buffer, from byte offset from, into dst as little-endian. */
    private static void copyLittleEndian(INDArray c, long from, byte[] dst, int offset, int len, int size) {
        BytePointer src = c.data().pointer().getPointer(BytePointer.class);
        src.position(src.position() + from).get(dst, offset, len);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            swap(dst, offset, len, size);
        }
    }

    /** Whether {@link #write} takes arrays of this type: the floating types numpy has (FLOAT16 is HALF). */
    static boolean writable(DataType type) {
        return type == DataType.FLOAT || type == DataType.DOUBLE || type == DataType.FLOAT16;
    }

    private static Dtype dtypeOf(INDArray a) {
        DataType t = a.dataType();
        if (!writable(t)) {
            throw new ModelException("cannot write a " + t + " array as .npy: only FLOAT16, FLOAT and DOUBLE are written");
        }
        return t == DataType.FLOAT ? Dtype.F4 : t == DataType.DOUBLE ? Dtype.F8 : Dtype.F2;
    }

    /** The array itself if its buffer holds exactly its elements in C order, else a C-order copy. */
    private static INDArray contiguous(INDArray a) {
        boolean plain = a.ordering() == 'c' && !a.isView() && a.offset() == 0 && a.data().offset() == 0
                && a.data().length() == a.length();
        return plain ? a : a.dup('c');
    }

    /**
     * The header as {@code numpy.lib.format._write_array_header} lays it out: dict repr with keys sorted, spaces
     * for the first axis to grow, padded so the data starts at a multiple of ARRAY_ALIGN, ending in a newline.
     */
    static byte[] header(String descr, long[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': ").append(pyShape(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length())));
        }
        for (int version = 1; version <= 2; version++) {
            int prefix = MAGIC.length + 2 + (version == 1 ? 2 : 4);
            int hlen = dict.length() + 1;
            int padded = hlen + ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
            if (version == 2 || padded <= 0xFFFF) {
                ByteBuffer b = ByteBuffer.allocate(prefix + padded).order(ByteOrder.LITTLE_ENDIAN);
                b.put(MAGIC).put((byte) version).put((byte) 0);
                if (version == 1) {
                    b.putShort((short) padded);
                } else {
                    b.putInt(padded);
                }
                b.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
                while (b.position() < b.limit() - 1) {
                    b.put((byte) ' ');
                }
                return b.put((byte) '\n').array();
            }
        }
        throw new AssertionError();
    }

    private static Header readHeader(InputStream in, String name) throws IOException {
        byte[] pre = in.readNBytes(MAGIC.length + 2);
        if (pre.length < MAGIC.length || !Arrays.equals(pre, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ModelException(name + ": not a .npy file: bad magic " + show(pre)
                    + ", expected \\x93NUMPY");
        }
        if (pre.length < MAGIC.length + 2) {
            throw new ModelException(name + ": truncated header: the file ends after the magic");
        }
        int major = pre[6] & 0xFF;
        int minor = pre[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new ModelException(name + ": unsupported .npy format version " + major + "." + minor
                    + " (known: 1.0, 2.0, 3.0)");
        }
        byte[] len = in.readNBytes(major == 1 ? 2 : 4);
        if (len.length < (major == 1 ? 2 : 4)) {
            throw new ModelException(name + ": truncated header: the file ends inside the header length");
        }
        long hlen = 0;
        for (int i = len.length - 1; i >= 0; i--) {
            hlen = hlen << 8 | (len[i] & 0xFF);
        }
        if (hlen > MAX_HEADER_LENGTH) {
            throw new ModelException(name + ": header length " + hlen + " is implausible (limit " + MAX_HEADER_LENGTH + ")");
        }
        byte[] text = in.readNBytes((int) hlen);
        if (text.length < hlen) {
            throw new ModelException(name + ": truncated header: expected " + hlen + " bytes, found " + text.length);
        }
        // Versions 1.0 and 2.0 encode the header in latin1, 3.0 in UTF-8.
        String header = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parseHeader(header.strip(), name);
    }

    private static Header parseHeader(String text, String name) {
        if (!(new Literal(text, name).parse() instanceof Map<?, ?> dict)) {
            throw new ModelException(name + ": header is not a dict: " + text);
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new ModelException(name + ": header has no '" + key + "': " + text);
            }
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new ModelException(name + ": header 'fortran_order' must be True or False: " + text);
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new ModelException(name + ": header 'shape' must be a tuple of integers: " + text);
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new ModelException(name + ": header 'shape' must hold non-negative integers: " + text);
            }
            shape[i] = d;
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String s)) {
            throw new ModelException(name + ": unsupported dtype " + descr + " (structured arrays are not read)");
        }
        char first = s.isEmpty() ? '?' : s.charAt(0);
        ByteOrder order = first == '>' ? ByteOrder.BIG_ENDIAN : first == '<' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.nativeOrder();
        String code = "<>|=".indexOf(first) >= 0 ? s.substring(1) : s;
        for (Dtype d : Dtype.values()) {
            if (d.code.equals(code)) {
                return new Header(s, d, order, fortran, shape);
            }
        }
        throw new ModelException(name + ": unsupported dtype '" + s + "' (supported: "
                + Arrays.stream(Dtype.values()).map(d -> d.code).collect(Collectors.joining(", "))
                + " in either byte order)");
    }

    private static INDArray readData(InputStream in, Header h, String name) throws IOException {
        long n = 1;
        long bytes;
        try {
            for (long d : h.shape) {
                n = Math.multiplyExact(n, d);
            }
            bytes = Math.multiplyExact(n, h.dtype.size);
        } catch (ArithmeticException e) {
            throw new ModelException(name + ": shape " + pyShape(h.shape) + " is too large");
        }
        if (n == 0) {
            return Nd4j.create(h.dtype.target, h.shape);
        }
        INDArray out = Nd4j.createUninitialized(h.dtype.target, h.shape, h.fortran ? 'f' : 'c');
        BytePointer dst = out.data().pointer().getPointer(BytePointer.class);
        long base = dst.position();
        int width = h.dtype.target.width();
        int perChunk = CHUNK / 8;
        byte[] src = new byte[(int) Math.min((long) perChunk * h.dtype.size, bytes)];
        byte[] converted = h.dtype.raw() ? src : new byte[(int) Math.min((long) perChunk * width, n * width)];
        for (long done = 0; done < n; ) {
            int k = (int) Math.min(perChunk, n - done);
            int len = k * h.dtype.size;
            int got = in.readNBytes(src, 0, len);
            if (got < len) {
                throw new ModelException(name + ": expected " + bytes + " bytes of data for shape " + pyShape(h.shape)
                        + " " + h.descr + ", found " + (done * h.dtype.size + got));
            }
            dst.position(base + done * width).put(toNative(src, k, h, converted), 0, k * width);
            done += k;
        }
        // A Fortran-order buffer is the same logical array; hand out C order like every other array.
        return h.fortran ? out.dup('c') : out;
    }

    /** k elements of the file's bytes as the target type's native bytes (in place for floats). */
    private static byte[] toNative(byte[] src, int k, Header h, byte[] dst) {
        if (h.dtype.raw()) {
            if (h.order != ByteOrder.nativeOrder()) {
                swap(src, 0, k * h.dtype.size, h.dtype.size);
            }
            return src;
        }
        ByteBuffer s = ByteBuffer.wrap(src, 0, k * h.dtype.size).order(h.order);
        ByteBuffer d = ByteBuffer.wrap(dst).order(ByteOrder.nativeOrder());
        for (int i = 0; i < k; i++) {
            switch (h.dtype) {
                case U1 -> d.putFloat(i * 4, s.get(i) & 0xFF);
                case I4 -> d.putDouble(i * 8, s.getInt(i * 4));
                case I8 -> d.putDouble(i * 8, s.getLong(i * 8));
                default -> throw new AssertionError(h.dtype);
            }
        }
        return dst;
    }

    /** Reverses the bytes of each size-byte element in b[offset, offset + len). */
    private static void swap(byte[] b, int offset, int len, int size) {
        for (int i = offset; i < offset + len; i += size) {
            for (int j = i, k = i + size - 1; j < k; j++, k--) {
                byte t = b[j];
                b[j] = b[k];
                b[k] = t;
            }
        }
    }

    /** A shape as Python writes the tuple: (), (3,), (2, 3). */
    static String pyShape(long[] shape) {
        return shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String show(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7F ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xFF));
        }
        return s.append("'").toString();
    }

    /**
     * The subset of Python literals ({@code ast.literal_eval}) a header uses: dicts, tuples, lists, strings,
     * integers (with Python 2's {@code L} suffix), True, False, None. Tuples and lists become lists, integers Long.
     */
    private static final class Literal {
        private final String s;
        private final String name;
        private int i;

        Literal(String s, String name) {
            this.s = s;
            this.name = name;
        }

        Object parse() {
            Object v = value();
            space();
            if (i < s.length()) {
                throw error("unexpected '" + s.charAt(i) + "'");
            }
            return v;
        }

        private Object value() {
            space();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<Object, Object> map = new LinkedHashMap<>();
                List<Object> items = items('}', true);
                for (int k = 0; k < items.size(); k += 2) {
                    if (map.put(items.get(k), items.get(k + 1)) != null) {
                        throw error("duplicate key " + items.get(k));
                    }
                }
                return map;
            }
            if (c == '(' || c == '[') {
                return items(c == '(' ? ')' : ']', false);
            }
            if (c == '\'' || c == '"') {
                return string(c);
            }
            if (c == '-' || c == '+' || Character.isDigit(c)) {
                return integer();
            }
            int start = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            return switch (s.substring(start, i)) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> null; // never a header value numpy accepts; rejected by the checks above
                default -> throw error("unexpected '" + (i > start ? s.substring(start, i) : String.valueOf(c)) + "'");
            };
        }

        /** Comma-separated values (key: value pairs for a dict) up to the closing bracket; a trailing comma is fine. */
        private List<Object> items(char close, boolean pairs) {
            i++;
            List<Object> out = new ArrayList<>();
            while (true) {
                space();
                if (i < s.length() && s.charAt(i) == close) {
                    i++;
                    return out;
                }
                out.add(value());
                if (pairs) {
                    expect(':');
                    out.add(value());
                }
                space();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else if (i >= s.length() || s.charAt(i) != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string(char quote) {
            StringBuilder b = new StringBuilder();
            for (i++; ; i++) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i);
                if (c == quote) {
                    i++;
                    return b.toString();
                }
                if (c == '\\' && i + 1 < s.length()) {
                    c = s.charAt(++i);
                }
                b.append(c);
            }
        }

        private Long integer() {
            int start = i;
            if (s.charAt(i) == '-' || s.charAt(i) == '+') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            String digits = s.substring(start, i);
            if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                i++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("bad integer '" + digits + "'");
            }
        }

        private void expect(char c) {
            space();
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private ModelException error(String what) {
            return new ModelException(name + ": cannot parse header at character " + i + ": " + what + " in " + s);
        }
    }
}

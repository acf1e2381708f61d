package io.robustbounds.format;

import io.robustbounds.model.ModelException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

// Over 400 lines: the NumPy .npy reader and writer with every hostile-file check (header, dtype, order, size limits) in one place; splitting reader from writer would separate the two halves of one format.
/**
 * NumPy {@code .npy} files (format described in {@code numpy.lib.format} / NEP 1): magic {@code \x93NUMPY},
 * version byte pair, little-endian header length (2 bytes in 1.0, 4 in 2.0 and 3.0), a Python-literal dict
 * header {@code {'descr', 'fortran_order', 'shape'}} padded with spaces and {@code \n}, then the raw data.
 *
 * <p>Reads versions 1.0, 2.0 and 3.0 with dtypes {@code f2 f4 f8} (kept as FLOAT16, FLOAT, DOUBLE: bit-exact) in
 * either byte order, and integers converted only where the conversion is exact: {@code i1 i2 u1 u2} to FLOAT,
 * {@code i4 u4} to DOUBLE, {@code i8 u8} to DOUBLE when every value has at most 53 significant bits (a file holding
 * one that has more is refused, naming the element). Everything else (complex, object, strings, bool, datetime,
 * long double, structured) is refused naming the file, the dtype and the accepted list. Fortran-order files are
 * read into the same logical array, returned in C order.
 *
 * <p>Hostile headers cannot make the reader allocate: the header length, rank and dimensions are bounded, and the
 * data size the shape claims (overflow-checked) is compared with the bytes really present (the file's size, the
 * byte array's length) before any array is allocated; from a stream of unknown length the data is read first, in
 * chunks, and the array allocated only once it has all arrived.
 *
 * <p>Writes FLOAT16/FLOAT/DOUBLE as C-order little-endian version 1.0 (2.0 if the header needs it), with the
 * header laid out exactly as {@code np.save} does. Data moves in bulk between byte chunks and native memory.
 * Every error is a {@link ModelException} whose message starts with the file name.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy.lib.format.ARRAY_ALIGN: the data starts at a multiple of 64 bytes. */
    private static final int ARRAY_ALIGN = 64;
    /** numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: header room left so the first axis can grow in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Longest header read: numpy's own default ({@code np.load(max_header_size=10000)}). */
    static final int MAX_HEADER_LENGTH = 10_000;
    /** Most dimensions an array may have: libnd4j's MAX_RANK. */
    static final int MAX_RANK = 32;
    /** Bytes moved per bulk copy; a multiple of every element size. */
    private static final int CHUNK = 1 << 20;

    /** The element types read: numpy kind and size, the ND4J type they become (exactly: see the class comment). */
    private enum Dtype {
        F2("f2", DataType.FLOAT16), F4("f4", DataType.FLOAT), F8("f8", DataType.DOUBLE),
        I1("i1", DataType.FLOAT), I2("i2", DataType.FLOAT), U1("u1", DataType.FLOAT), U2("u2", DataType.FLOAT),
        I4("i4", DataType.DOUBLE), U4("u4", DataType.DOUBLE), I8("i8", DataType.DOUBLE), U8("u8", DataType.DOUBLE);

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

    /**
     * A parsed header: the dtype as written, its meaning, the array's layout, and how many bytes the magic, version,
     * length field and header text took.
     */
    private record Header(String descr, Dtype dtype, ByteOrder order, boolean fortran, long[] shape, long length) {
    }

    /** A stream's length when it is not known. */
    static final long UNKNOWN_SIZE = -1;

    private Npy() {
    }

    /** Reads one .npy file; bytes after the data are an error. */
    public static INDArray read(Path file) {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            return read(new BufferedInputStream(Channels.newInputStream(channel)), file.toString(), channel.size(), true);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e, e);
        }
    }

    /**
     * Reads one array from the stream and stops right after its data (so several arrays saved one after another
     * to the same stream can be read in turn). Does not close the stream. The stream's length being unknown, the
     * data is read before the array is allocated.
     */
    public static INDArray read(InputStream in, String nameForErrors) {
        return read(in, nameForErrors, UNKNOWN_SIZE, false);
    }

    /** Reads a whole .npy file held in memory. */
    public static INDArray fromBytes(byte[] npy, String nameForErrors) {
        return read(new ByteArrayInputStream(npy), nameForErrors, npy.length, true);
    }

    /**
     * Reads one array; {@code size} is the number of bytes the stream holds from here (or {@link #UNKNOWN_SIZE}),
     * checked against the shape before anything is allocated. With {@code whole}, the stream must end right after
     * the data.
     */
    static INDArray read(InputStream in, String name, long size, boolean whole) {
        try {
            Header h = readHeader(in, name);
            INDArray a = readData(in, h, name, size, whole);
            if (whole && in.read() != -1) {
                throw trailing(name, h);
            }
            return a;
        } catch (IOException e) {
            throw new ModelException(name + ": cannot read: " + e, e);
        }
    }

    private static ModelException trailing(String name, Header h) {
        return new ModelException(name + ": unexpected bytes after the data of shape " + pyShape(h.shape)
                + " " + h.descr + " (the file is longer than its header says)");
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
            throw new ModelException(name + ": header length " + hlen + " bytes is over the limit of " + MAX_HEADER_LENGTH
                    + " (numpy's own np.load limit)");
        }
        byte[] text = in.readNBytes((int) hlen);
        if (text.length < hlen) {
            throw new ModelException(name + ": truncated header: expected " + hlen + " bytes, found " + text.length);
        }
        // Versions 1.0 and 2.0 encode the header in latin1, 3.0 in UTF-8.
        String header = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parseHeader(header.strip(), name, pre.length + len.length + hlen);
    }

    private static Header parseHeader(String text, String name, long length) {
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
        if (dims.size() > MAX_RANK) {
            throw new ModelException(name + ": header 'shape' has " + dims.size() + " dimensions, at most " + MAX_RANK
                    + " are supported");
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
                return new Header(s, d, order, fortran, shape, length);
            }
        }
        String kind = switch (code.isEmpty() ? '?' : code.charAt(0)) {
            case 'c' -> " (complex)";
            case 'O' -> " (Python objects)";
            case 'U', 'S', 'a' -> " (strings)";
            case 'b', '?' -> " (bool)";
            case 'M', 'm' -> " (datetime)";
            case 'V' -> " (raw bytes)";
            case 'f', 'g' -> " (a float of this size)";
            default -> "";
        };
        throw new ModelException(name + ": unsupported dtype '" + s + "'" + kind + "; accepted: f2, f4, f8 (read as"
                + " they are), i1, i2, i4, i8, u1, u2, u4, u8 (converted exactly to float or double), in either byte order");
    }

    /**
     * The data, checked first against the bytes really there: {@code size} (the stream's length from the header on)
     * when known, else by reading it all into chunks before the array is allocated.
     */
    private static INDArray readData(InputStream in, Header h, String name, long size, boolean whole) throws IOException {
        long n = 1;
        long bytes;
        try {
            for (long d : h.shape) {
                n = Math.multiplyExact(n, Math.max(d, 1)); // zero dims last, so that (0, 2^62, 2^62) overflows too
            }
            bytes = Math.multiplyExact(n, h.dtype.size);
        } catch (ArithmeticException e) {
            throw new ModelException(name + ": shape " + pyShape(h.shape) + " " + h.descr + " is too large (over 2^63 bytes)");
        }
        if (Arrays.stream(h.shape).anyMatch(d -> d == 0)) {
            n = 0;
            bytes = 0;
        }
        String claim = "shape " + pyShape(h.shape) + " " + h.descr + " needs " + bytes + " bytes of data";
        InputStream data = in;
        if (size != UNKNOWN_SIZE) {
            long present = size - h.length;
            if (bytes > present) {
                throw new ModelException(name + ": " + claim + ", but the file has " + size + " bytes: " + present
                        + " after the " + h.length + "-byte header");
            }
            if (whole && bytes < present) {
                throw trailing(name, h);
            }
        } else if (n > 0) {
            List<InputStream> chunks = new ArrayList<>();
            for (long got = 0; got < bytes; ) {
                int wanted = (int) Math.min(CHUNK, bytes - got);
                byte[] chunk = in.readNBytes(wanted);
                got += chunk.length;
                if (chunk.length < wanted) {
                    throw new ModelException(name + ": " + claim + ", but the data ends after " + got + " bytes");
                }
                chunks.add(new ByteArrayInputStream(chunk));
            }
            data = new SequenceInputStream(Collections.enumeration(chunks));
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
            int got = data.readNBytes(src, 0, len);
            if (got < len) { // the file shrank while being read
                throw new ModelException(name + ": " + claim + ", but the data ends after " + (done * h.dtype.size + got) + " bytes");
            }
            dst.position(base + done * width).put(toNative(src, k, done, h, converted, name), 0, k * width);
            done += k;
        }
        // A Fortran-order buffer is the same logical array; hand out C order like every other array.
        return h.fortran ? out.dup('c') : out;
    }

    /**
     * k elements of the file's bytes, the first being element {@code first} of the array, as the target type's
     * native bytes (in place for floats). Every conversion is exact; a 64-bit integer a double cannot hold is refused.
     */
    private static byte[] toNative(byte[] src, int k, long first, Header h, byte[] dst, String name) {
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
                case I1 -> d.putFloat(i * 4, s.get(i));
                case U1 -> d.putFloat(i * 4, s.get(i) & 0xFF);
                case I2 -> d.putFloat(i * 4, s.getShort(i * 2));
                case U2 -> d.putFloat(i * 4, s.getShort(i * 2) & 0xFFFF);
                case I4 -> d.putDouble(i * 8, s.getInt(i * 4));
                case U4 -> d.putDouble(i * 8, s.getInt(i * 4) & 0xFFFFFFFFL);
                case I8, U8 -> {
                    long v = s.getLong(i * 8);
                    boolean unsigned = h.dtype == Dtype.U8;
                    long magnitude = unsigned || v >= 0 ? v : -v; // -Long.MIN_VALUE is 2^63 read as unsigned
                    if (magnitude != 0 && 64 - Long.numberOfLeadingZeros(magnitude) - Long.numberOfTrailingZeros(magnitude) > 53) {
                        throw new ModelException(name + ": element " + (first + i) + " is "
                                + (unsigned ? Long.toUnsignedString(v) : Long.toString(v)) + ", which a double cannot hold"
                                + " exactly (" + h.descr + " is converted to double only where that is exact)");
                    }
                    // exact: at most 53 significant bits (an unsigned v >= 2^63 has its lowest bit clear)
                    d.putDouble(i * 8, unsigned && v < 0 ? (double) (v >>> 1) * 2 : (double) v);
                }
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

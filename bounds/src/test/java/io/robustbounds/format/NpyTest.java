package io.robustbounds.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.ModelException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyTest {

    private static final long[][] SHAPES = {{}, {5}, {2, 3}, {2, 3, 4}, {1, 2, 3, 2}};

    @TempDir
    Path dir;

    /** The raw native bytes of a C-order array, for bit-exact comparisons (NaN payloads, -0.0, subnormals). */
    static byte[] rawBytes(INDArray a) {
        INDArray c = a.dup('c');
        byte[] b = new byte[(int) (c.length() * c.dataType().width())];
        if (b.length > 0) {
            c.data().pointer().getPointer(BytePointer.class).get(b);
        }
        return b;
    }

    /** An array of random bit patterns, so every class of value (NaNs with payloads, infinities, …) occurs. */
    static INDArray randomBits(DataType type, long[] shape, Random random) {
        INDArray a = Nd4j.create(type, shape);
        byte[] b = new byte[(int) (a.length() * type.width())];
        random.nextBytes(b);
        ByteBuffer special = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        if (type == DataType.FLOAT && b.length >= 16) {
            special.putInt(0, Float.floatToRawIntBits(-0.0f)).putInt(4, 0x7FC00123).putInt(8, 1).putInt(12, 0xFF800000);
        } else if (type == DataType.DOUBLE && b.length >= 32) {
            special.putLong(0, Double.doubleToRawLongBits(-0.0)).putLong(8, 0x7FF8000000000ABCL).putLong(16, 1L)
                    .putLong(24, 0xFFF0000000000000L);
        }
        a.data().pointer().getPointer(BytePointer.class).put(b);
        return a;
    }

    private static void assertSameBits(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.shape(), actual.shape());
        assertEquals(expected.rank(), actual.rank());
        assertArrayEquals(rawBytes(expected), rawBytes(actual));
    }

    private static Path fixture(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void roundTripsFloatAndDoubleOfRanks0To4BitExact() throws IOException {
        Random random = new Random(17);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (long[] shape : SHAPES) {
                INDArray a = randomBits(type, shape, random);
                assertSameBits(a, Npy.fromBytes(Npy.toBytes(a), "mem"));
                Path f = dir.resolve(type + "-" + shape.length + ".npy");
                Npy.write(a, f);
                assertSameBits(a, Npy.read(f));
                assertArrayEquals(Npy.toBytes(a), Files.readAllBytes(f));
            }
        }
    }

    @Test
    void roundTripsHalfAndEmptyArrays() {
        INDArray half = Nd4j.createFromArray(1f, -0.5f, 65504f).castTo(DataType.FLOAT16);
        assertSameBits(half, Npy.fromBytes(Npy.toBytes(half), "half"));
        INDArray empty = Nd4j.create(DataType.FLOAT, 2, 0);
        INDArray back = Npy.fromBytes(Npy.toBytes(empty), "empty");
        assertTrue(back.isEmpty());
        assertArrayEquals(new long[] {2, 0}, back.shape());
    }

    @Test
    void writesViewsAndFortranOrderArraysAsTheirLogicalValues() {
        INDArray a = Nd4j.createFromArray(new double[] {1, 2, 3, 4, 5, 6}).reshape('c', new long[] {2, 3});
        INDArray t = a.transpose(); // an f-order array
        assertArrayEquals(new double[][] {{1, 4}, {2, 5}, {3, 6}}, Npy.fromBytes(Npy.toBytes(t), "t").toDoubleMatrix());
        INDArray row = a.getRow(1); // a view with an offset
        assertArrayEquals(new double[] {4, 5, 6}, Npy.fromBytes(Npy.toBytes(row), "row").toDoubleVector());
    }

    @Test
    void readsSeveralArraysSavedOneAfterAnotherToOneStream() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(Nd4j.createFromArray(1f, 2f), out);
        Npy.write(Nd4j.createFromArray(3.0), out);
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(new float[] {1f, 2f}, Npy.read(in, "s").toFloatVector());
        assertArrayEquals(new double[] {3.0}, Npy.read(in, "s").toDoubleVector());
        assertEquals(-1, in.read());
    }

    @Test
    void readsNumpyFixtures() {
        INDArray f4 = Npy.read(fixture("f4_2x3.npy"));
        assertEquals(DataType.FLOAT, f4.dataType());
        assertArrayEquals(new float[][] {{0f, -0f, 1.5f}, {-2.25f, 0.1f, Float.MAX_VALUE}}, f4.toFloatMatrix());
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f4.getFloat(0, 1)));

        INDArray f8 = Npy.read(fixture("f8_3.npy"));
        assertEquals(DataType.DOUBLE, f8.dataType());
        assertArrayEquals(new double[] {0.1, -1e-300, Math.PI}, f8.toDoubleVector());

        INDArray scalar = Npy.read(fixture("f8_scalar.npy"));
        assertEquals(0, scalar.rank());
        assertEquals(2.5, scalar.getDouble(0));

        assertArrayEquals(new long[] {2, 0}, Npy.read(fixture("f4_empty_2x0.npy")).shape());

        INDArray r4 = Npy.read(fixture("f8_1x2x3x4.npy"));
        assertArrayEquals(new long[] {1, 2, 3, 4}, r4.shape());
        assertEquals(23.0, r4.getDouble(0, 1, 2, 3));
        assertEquals(6.0, r4.getDouble(0, 0, 1, 2));

        INDArray f2 = Npy.read(fixture("f2_3.npy"));
        assertEquals(DataType.FLOAT16, f2.dataType());
        assertArrayEquals(new double[] {1.0, -0.5, 65504.0}, f2.toDoubleVector());
    }

    @Test
    void readsFortranOrderBigEndianIntegersAndLaterVersions() {
        INDArray fortran = Npy.read(fixture("f4_fortran_2x3.npy"));
        assertEquals('c', fortran.ordering());
        assertArrayEquals(new float[][] {{0, 1, 2}, {3, 4, 5}}, fortran.toFloatMatrix());

        assertArrayEquals(new float[] {1.5f, -0.1f}, Npy.read(fixture("f4_be_2.npy")).toFloatVector());
        assertArrayEquals(new double[][] {{1.0, -2.0}, {0.5, 1e10}}, Npy.read(fixture("f8_be_2x2.npy")).toDoubleMatrix());

        INDArray u1 = Npy.read(fixture("u1_4.npy"));
        assertEquals(DataType.FLOAT, u1.dataType());
        assertArrayEquals(new float[] {0, 1, 128, 255}, u1.toFloatVector());
        INDArray i4 = Npy.read(fixture("i4_3.npy"));
        assertEquals(DataType.DOUBLE, i4.dataType());
        assertArrayEquals(new double[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, i4.toDoubleVector());
        assertArrayEquals(new double[] {-(1L << 53), 7, 1L << 53}, Npy.read(fixture("i8_3.npy")).toDoubleVector());

        assertArrayEquals(new float[] {1f, 2f}, Npy.read(fixture("v2_f4_2.npy")).toFloatVector());
        assertArrayEquals(new double[][] {{1.0}, {2.0}}, Npy.read(fixture("v3_f8_2x1.npy")).toDoubleMatrix());
    }

    @Test
    void writesTheSameBytesAsNumpySave() throws IOException {
        for (String name : new String[] {"f4_2x3.npy", "f8_3.npy", "f8_scalar.npy", "f4_empty_2x0.npy",
                "f8_1x2x3x4.npy", "f2_3.npy"}) {
            byte[] numpy = Files.readAllBytes(fixture(name));
            assertArrayEquals(numpy, Npy.toBytes(Npy.fromBytes(numpy, name)), name);
        }
    }

    @Test
    void switchesToVersion2WhenTheHeaderOutgrowsVersion1() {
        // Only absurd ranks need this (numpy allows 64 dimensions), so check the header bytes alone.
        long[] shape = new long[30000]; // 'shape': (1, 1, …) is over 65535 characters
        Arrays.fill(shape, 1);
        ByteBuffer header = ByteBuffer.wrap(Npy.header("<f4", shape)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, header.get(6));
        assertEquals(header.capacity() - 12, header.getInt(8));
        assertEquals(0, header.capacity() % 64);
        assertEquals('\n', header.get(header.capacity() - 1));
        assertEquals(1, Npy.header("<f4", new long[32])[6]);
    }

    @Test
    void parsesHeadersNumpyDidNotWriteItself() {
        String[] headers = {
            "{\"shape\": (2,), \"descr\": \"<f8\", \"fortran_order\": False}",
            "{ 'descr' : '<f8' , 'shape' : ( 2 , ) , 'fortran_order' : False , }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }", // numpy under Python 2
        };
        for (String h : headers) {
            INDArray a = Npy.fromBytes(withHeader(h, 1, new double[] {1.0, 2.0}), "h");
            assertArrayEquals(new double[] {1.0, 2.0}, a.toDoubleVector(), h);
        }
    }

    /** A .npy file with a hand-written header and little-endian doubles. */
    private static byte[] withHeader(String dict, int version, double[] data) {
        byte[] text = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + (version == 1 ? 2 : 4) + text.length + 8 * data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        for (double d : data) {
            b.putDouble(d);
        }
        return b.array();
    }

    private static String error(byte[] npy, String name) {
        return assertThrows(ModelException.class, () -> Npy.fromBytes(npy, name)).getMessage();
    }

    @Test
    void rejectsBadFilesNamingTheFileAndTheProblem() throws IOException {
        assertEquals("x.npy: not a .npy file: bad magic 'PK\\x03\\x04\\x14\\x00\\x00\\x00', expected \\x93NUMPY",
                error(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0}, "x.npy"));
        assertTrue(error(new byte[0], "x.npy").startsWith("x.npy: not a .npy file: bad magic ''"));

        byte[] good = Npy.toBytes(Nd4j.create(DataType.FLOAT, 32, 32));
        assertEquals("x.npy: truncated header: expected 118 bytes, found 40", error(Arrays.copyOf(good, 50), "x.npy"));
        assertEquals("layer1.weight.npy: shape (32, 32) <f4 needs 4096 bytes of data, but the file has 1128 bytes: 1000"
                + " after the 128-byte header", error(Arrays.copyOf(good, 128 + 1000), "layer1.weight.npy"));

        byte[] version4 = good.clone();
        version4[6] = 4;
        assertEquals("x.npy: unsupported .npy format version 4.0 (known: 1.0, 2.0, 3.0)", error(version4, "x.npy"));

        String complex = error(withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 1,
                new double[] {0, 0}), "c.npy");
        assertEquals("c.npy: unsupported dtype '<c16' (complex); accepted: f2, f4, f8 (read as they are), i1, i2, i4, i8,"
                + " u1, u2, u4, u8 (converted exactly to float or double), in either byte order", complex);
        assertTrue(error(withHeader("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", 1,
                new double[] {0}), "s.npy").startsWith("s.npy: unsupported dtype [[a, <f8]]"));
        assertTrue(error(withHeader("{'descr': '<f8', 'shape': (1,), }", 1, new double[] {0}), "k.npy")
                .startsWith("k.npy: header has no 'fortran_order'"));
        assertTrue(error(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 1,
                new double[] {0}), "n.npy").startsWith("n.npy: header 'shape' must hold non-negative integers"));
        assertTrue(error(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", 1,
                new double[] {0}), "p.npy").startsWith("p.npy: cannot parse header at character"));

        Path longer = dir.resolve("longer.npy");
        Files.write(longer, Arrays.copyOf(good, good.length + 3));
        String trailing = assertThrows(ModelException.class, () -> Npy.read(longer)).getMessage();
        assertEquals(longer + ": unexpected bytes after the data of shape (32, 32) <f4 (the file is longer than its header says)",
                trailing);
        String missing = assertThrows(ModelException.class, () -> Npy.read(dir.resolve("none.npy"))).getMessage();
        assertTrue(missing.startsWith(dir.resolve("none.npy") + ": cannot read"), missing);

        String integer = assertThrows(ModelException.class, () -> Npy.toBytes(Nd4j.create(DataType.INT32, 2))).getMessage();
        assertEquals("cannot write a INT array as .npy: only FLOAT16, FLOAT and DOUBLE are written", integer);
    }

    /** A .npy file with a hand-written header (version 1 or 2) and the given data bytes. */
    private static byte[] npy(String dict, int version, byte[] data) {
        byte[] text = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(8 + (version == 1 ? 2 : 4) + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0})
                .put(version == 1 ? ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) text.length).array()
                        : ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(text.length).array())
                .put(text).put(data).array();
    }

    private static String header(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    @Test
    void refusesAShapeLargerThanTheDataBeforeAllocatingIt() throws IOException {
        // 1 KB claiming 4 GiB: refused from the file's size, before any array exists
        String claim = header("<f4", "(65536, 16384)");
        int headerLength = npy(claim, 1, new byte[0]).length;
        byte[] small = npy(claim, 1, new byte[1024 - headerLength]);
        String real = "1024 bytes: " + (1024 - headerLength) + " after the " + headerLength + "-byte header";
        Path file = Files.write(dir.resolve("huge.npy"), small);
        long before = Pointer.physicalBytes();
        assertEquals(file + ": shape (65536, 16384) <f4 needs 4294967296 bytes of data, but the file has " + real,
                assertThrows(ModelException.class, () -> Npy.read(file)).getMessage());
        assertEquals("huge.npy: shape (65536, 16384) <f4 needs 4294967296 bytes of data, but the file has " + real,
                error(small, "huge.npy"));
        // a stream of unknown length: the data is read before the array is allocated
        assertEquals("s.npy: shape (65536, 16384) <f4 needs 4294967296 bytes of data, but the data ends after "
                + (1024 - headerLength) + " bytes",
                assertThrows(ModelException.class, () -> Npy.read(new ByteArrayInputStream(small), "s.npy")).getMessage());
        assertTrue(Pointer.physicalBytes() - before < 1L << 30, "resident memory grew by " + (Pointer.physicalBytes() - before));
    }

    @Test
    void refusesAbsurdHeaders() {
        byte[] longHeader = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(2_000_000_000).array();
        assertEquals("x.npy: header length 2000000000 bytes is over the limit of 10000 (numpy's own np.load limit)",
                error(longHeader, "x.npy"));
        assertEquals("x.npy: header 'shape' has 33 dimensions, at most 32 are supported",
                error(npy(header("<f4", "(" + "1, ".repeat(33) + ")"), 1, new byte[4]), "x.npy"));
        long big = 1L << 62;
        assertEquals("x.npy: shape (" + big + ", " + big + ") <f8 is too large (over 2^63 bytes)",
                error(npy(header("<f8", "(" + big + ", " + big + ")"), 1, new byte[0]), "x.npy"));
        // a zero dimension does not excuse the others
        assertEquals("x.npy: shape (0, " + big + ", 4) <f8 is too large (over 2^63 bytes)",
                error(npy(header("<f8", "(0, " + big + ", 4)"), 1, new byte[0]), "x.npy"));
        assertEquals("x.npy: header 'shape' must hold non-negative integers: " + header("<f8", "(-4, 2)"),
                error(npy(header("<f8", "(-4, 2)"), 1, new byte[0]), "x.npy"));
        assertEquals("x.npy: cannot parse header at character 71: bad integer '99999999999999999999' in "
                + header("<f8", "(99999999999999999999,)"), error(npy(header("<f8", "(99999999999999999999,)"), 1, new byte[0]), "x.npy"));
        String accepted = "; accepted: f2, f4, f8 (read as they are), i1, i2, i4, i8, u1, u2, u4, u8 (converted exactly"
                + " to float or double), in either byte order";
        String[][] dtypes = {{"<c8", "complex"}, {"|O", "Python objects"}, {"<U5", "strings"}, {"|b1", "bool"},
            {"<M8[ns]", "datetime"}, {"|V8", "raw bytes"}, {"<f16", "a float of this size"}};
        for (String[] d : dtypes) {
            assertEquals("x.npy: unsupported dtype '" + d[0] + "' (" + d[1] + ")" + accepted,
                    error(npy(header(d[0], "(1,)"), 1, new byte[16]), "x.npy"), d[0]);
        }
    }

    @Test
    void convertsIntegersOnlyWhereExact() {
        INDArray i1 = Npy.fromBytes(npy(header("|i1", "(3,)"), 1, new byte[] {-128, 0, 127}), "i1");
        assertEquals(DataType.FLOAT, i1.dataType());
        assertArrayEquals(new float[] {-128, 0, 127}, i1.toFloatVector());
        byte[] shorts = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putShort((short) -2).putShort((short) 0xFFFF).array();
        assertArrayEquals(new float[] {-2, -1}, Npy.fromBytes(npy(header(">i2", "(2,)"), 1, shorts), "i2").toFloatVector());
        assertArrayEquals(new float[] {65534, 65535}, Npy.fromBytes(npy(header(">u2", "(2,)"), 1, shorts), "u2").toFloatVector());
        byte[] ints = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).array();
        INDArray u4 = Npy.fromBytes(npy(header("<u4", "(1,)"), 1, ints), "u4");
        assertEquals(DataType.DOUBLE, u4.dataType());
        assertEquals(4294967295.0, u4.getDouble(0));

        // 64-bit integers: exact when at most 53 significant bits, refused otherwise
        long[] exact = {Long.MIN_VALUE, -(1L << 53), (1L << 53), 3L << 60};
        ByteBuffer b = ByteBuffer.allocate(8 * exact.length).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.stream(exact).forEach(b::putLong);
        assertArrayEquals(Arrays.stream(exact).asDoubleStream().toArray(),
                Npy.fromBytes(npy(header("<i8", "(4,)"), 1, b.array()), "i8").toDoubleVector());
        byte[] top = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MIN_VALUE).array(); // 2^63 unsigned
        assertEquals(0x1p63, Npy.fromBytes(npy(header("<u8", "(1,)"), 1, top), "u8").getDouble(0));

        byte[] inexact = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong((1L << 53) + 1).array();
        assertEquals("i8.npy: element 1 is 9007199254740993, which a double cannot hold exactly (<i8 is converted to"
                + " double only where that is exact)", error(npy(header("<i8", "(2,)"), 1, inexact), "i8.npy"));
        byte[] max = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        assertEquals("u8.npy: element 0 is 18446744073709551615, which a double cannot hold exactly (<u8 is converted"
                + " to double only where that is exact)", error(npy(header("<u8", "(1,)"), 1, max), "u8.npy"));
    }
}

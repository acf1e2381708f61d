package io.robustbounds.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CaffeModelReaderTest {

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5f - 3f;
        }
        return v;
    }

    private static ProtoWriter shape(long... dims) {
        return new ProtoWriter().packedVarints(1, dims);
    }

    private static ProtoWriter unknownFields() {
        // one of every wire type, with field numbers no reader knows, plus a group
        return new ProtoWriter().varint(999, -5).fixed64(998, 42).string(997, "skip me").fixed32(996, 7)
                .tag(995, 3).varint(1, 3).tag(994, 3).tag(994, 4).tag(995, 4);
    }

    /** conv (packed blob data, packed kernel_size), pool (unpacked), ip (legacy dims), lrn, relu, unknowns. */
    private static byte[] sampleNet() {
        ProtoWriter conv = new ProtoWriter().string(1, "conv1").string(2, "Convolution").string(3, "data")
                .string(4, "conv1")
                .message(7, new ProtoWriter().message(7, shape(2, 1, 3, 3)).packedFloats(5, ramp(18)))
                .message(7, new ProtoWriter().message(7, new ProtoWriter().varint(1, 2)).floatField(5, 0.25f)
                        .floatField(5, -0.75f))
                .message(106, new ProtoWriter().varint(1, 2).packedVarints(4, 3).varint(6, 2).varint(6, 1)
                        .varint(3, 1).varint(5, 1).merge(unknownFields()))
                .merge(unknownFields());
        ProtoWriter pool = new ProtoWriter().string(1, "pool1").string(2, "Pooling").string(3, "conv1")
                .string(4, "pool1").message(121, new ProtoWriter().varint(1, 1).varint(2, 2).varint(3, 2));
        ProtoWriter ip = new ProtoWriter().string(1, "ip1").string(2, "InnerProduct").string(3, "pool1")
                .string(4, "ip1")
                .message(7, new ProtoWriter().varint(1, 1).varint(2, 1).varint(3, 3).varint(4, 2)
                        .packedDoubles(8, 1, 2, 3, 4, 5, 6))
                .message(7, new ProtoWriter().message(7, new ProtoWriter().varint(1, 3)).packedFloats(5, 1, 2)
                        .packedFloats(5, 3))
                .message(117, new ProtoWriter().varint(1, 3).varint(2, 0).varint(5, 1).varint(6, 1));
        ProtoWriter lrn = new ProtoWriter().string(1, "norm1").string(2, "LRN")
                .message(118, new ProtoWriter().varint(1, 3).floatField(2, 1e-4f).varint(4, 1));
        ProtoWriter relu = new ProtoWriter().string(1, "relu1").string(2, "ReLU").message(123, new ProtoWriter());
        return new ProtoWriter().string(1, "tiny").merge(unknownFields()).message(100, conv).message(100, pool)
                .message(100, ip).message(100, lrn).message(100, relu).varint(5, 1).toByteArray();
    }

    @Test
    void parsesLayersBlobsAndParams() {
        CaffeNet net = CaffeModelReader.parse(sampleNet());
        assertEquals("tiny", net.name());
        assertEquals(List.of("conv1", "pool1", "ip1", "norm1", "relu1"),
                net.layers().stream().map(CaffeLayer::name).toList());

        CaffeLayer conv = net.layer("conv1");
        assertEquals("Convolution", conv.type());
        assertEquals(List.of("data"), conv.bottoms());
        assertEquals(List.of("conv1"), conv.tops());
        assertEquals(2, conv.blobs().size());
        assertArrayEquals(new long[] {2, 1, 3, 3}, conv.blobs().get(0).shape());
        assertArrayEquals(ramp(18), conv.blobs().get(0).data());
        assertArrayEquals(new long[] {2}, conv.blobs().get(1).shape());
        assertArrayEquals(new float[] {0.25f, -0.75f}, conv.blobs().get(1).data());
        ConvolutionParam cp = conv.convolution().orElseThrow();
        assertEquals(2, cp.numOutput());
        assertTrue(cp.biasTerm());
        assertEquals(List.of(3L), cp.kernelSize());
        assertEquals(List.of(2L, 1L), cp.stride());
        assertArrayEquals(new long[] {3, 3}, cp.kernel2d());
        assertArrayEquals(new long[] {2, 1}, cp.stride2d());
        assertArrayEquals(new long[] {1, 1}, cp.pad2d());
        assertEquals(1, cp.group());
        assertEquals(1, cp.axis());
        assertTrue(conv.pooling().isEmpty() && conv.innerProduct().isEmpty() && conv.lrn().isEmpty());
        assertFalse(conv.hasReluParam());

        PoolingParam pp = net.layer("pool1").pooling().orElseThrow();
        assertEquals(PoolingParam.PoolMethod.AVE, pp.pool());
        assertEquals(OptionalLong.of(2), pp.kernelSize());
        assertArrayEquals(new long[] {2, 2}, pp.kernel2d());
        assertArrayEquals(new long[] {2, 2}, pp.stride2d());
        assertArrayEquals(new long[] {0, 0}, pp.pad2d());
        assertFalse(pp.globalPooling());
        assertTrue(net.layer("pool1").blobs().isEmpty());

        CaffeLayer ip = net.layer("ip1");
        assertArrayEquals(new long[] {1, 1, 3, 2}, ip.blobs().get(0).shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ip.blobs().get(0).data());
        assertArrayEquals(new long[] {3}, ip.blobs().get(1).shape());
        assertArrayEquals(new float[] {1, 2, 3}, ip.blobs().get(1).data());
        assertEquals(new InnerProductParam(3, false, 1, true), ip.innerProduct().orElseThrow());

        LrnParam lp = net.layer("norm1").lrn().orElseThrow();
        assertEquals(new LrnParam(3, 1e-4f, 0.75f, LrnParam.NormRegion.WITHIN_CHANNEL, 1f), lp);

        assertTrue(net.layer("relu1").hasReluParam());
        assertEquals("ReLU", net.layer("relu1").type());
    }

    @Test
    void defaultsAreThoseOfCaffeProto() {
        byte[] bytes = new ProtoWriter()
                .message(100, new ProtoWriter().string(1, "p").message(121, new ProtoWriter().varint(2, 3)))
                .message(100, new ProtoWriter().string(1, "n").message(118, new ProtoWriter()))
                .message(100, new ProtoWriter().string(1, "i").message(117, new ProtoWriter().varint(1, 4)))
                .message(100, new ProtoWriter().string(1, "c").message(106, new ProtoWriter().varint(11, 3)
                        .varint(12, 5)))
                .toByteArray();
        CaffeNet net = CaffeModelReader.parse(bytes);
        assertEquals("", net.name());
        PoolingParam pp = net.layer("p").pooling().orElseThrow();
        assertEquals(PoolingParam.PoolMethod.MAX, pp.pool());
        assertEquals(1, pp.stride());
        assertEquals(0, pp.pad());
        assertEquals(LrnParam.defaults(), net.layer("n").lrn().orElseThrow());
        assertEquals(new LrnParam(5, 1f, 0.75f, LrnParam.NormRegion.ACROSS_CHANNELS, 1f), LrnParam.defaults());
        assertEquals(new InnerProductParam(4, true, 1, false), net.layer("i").innerProduct().orElseThrow());
        ConvolutionParam cp = net.layer("c").convolution().orElseThrow();
        assertTrue(cp.biasTerm());
        assertArrayEquals(new long[] {3, 5}, cp.kernel2d());
        assertArrayEquals(new long[] {1, 1}, cp.stride2d());
        assertArrayEquals(new long[] {0, 0}, cp.pad2d());
        assertEquals("", net.layer("c").type());
    }

    @Test
    void unpackedRepeatedFieldsAndNegativeInt64() {
        byte[] bytes = new ProtoWriter().message(100, new ProtoWriter().string(1, "c")
                .message(7, new ProtoWriter().message(7, new ProtoWriter().varint(1, 2).varint(1, 2))
                        .doubleField(8, 0.5).doubleField(8, 1.5).doubleField(8, 2.5).doubleField(8, 3.5))
                .message(106, new ProtoWriter().varint(4, 3).varint(4, 5).packedVarints(3, 1, 2).varint(16, -1)))
                .toByteArray();
        CaffeLayer c = CaffeModelReader.parse(bytes).layer("c");
        assertArrayEquals(new long[] {2, 2}, c.blobs().get(0).shape());
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, c.blobs().get(0).data());
        ConvolutionParam cp = c.convolution().orElseThrow();
        assertArrayEquals(new long[] {3, 5}, cp.kernel2d());
        assertArrayEquals(new long[] {1, 2}, cp.pad2d());
        assertEquals(-1, cp.axis());
    }

    @Test
    void emptyInputIsAnEmptyNet() {
        CaffeNet net = CaffeModelReader.parse(new byte[0]);
        assertEquals("", net.name());
        assertTrue(net.layers().isEmpty());
    }

    private static CaffeFormatException fails(byte[] bytes) {
        return assertThrows(CaffeFormatException.class, () -> CaffeModelReader.parse(bytes));
    }

    @Test
    void blobCountMismatchNamesLayerBlobAndOffset() {
        ProtoWriter blob0 = new ProtoWriter().message(7, shape(2, 1, 3, 3)).packedFloats(5, ramp(18));
        ProtoWriter blob1 = new ProtoWriter().message(7, shape(20, 1, 5, 5)).packedFloats(5, ramp(499));
        ProtoWriter layer1Head = new ProtoWriter().string(1, "conv1").string(2, "Convolution").message(7, blob0);
        ProtoWriter layer0 = new ProtoWriter().string(1, "data");
        byte[] bytes = new ProtoWriter().message(100, layer0)
                .message(100, new ProtoWriter().string(1, "conv1").string(2, "Convolution").message(7, blob0)
                        .message(7, blob1))
                .toByteArray();
        CaffeFormatException e = fails(bytes);
        assertEquals("layer[1] 'conv1' blobs[1]", e.path());
        assertTrue(e.getMessage().startsWith("layer[1] 'conv1' blobs[1]: 499 values for shape [20, 1, 5, 5]"),
                e.getMessage());
        // offset of blob1's payload: layer0 (tag + len + body), layer1's tag and length, its head, blob1's tag and length
        int layer0Size = 2 + 1 + layer0.size();
        int layer1Len = layer1Head.size() + 1 + varintSize(blob1.size()) + blob1.size();
        int expected = layer0Size + 2 + varintSize(layer1Len) + layer1Head.size() + 1 + varintSize(blob1.size());
        assertEquals(expected, e.offset());
        assertTrue(e.getMessage().endsWith("(at byte " + expected + ")"), e.getMessage());
    }

    private static int varintSize(long v) {
        return new ProtoWriter().rawVarint(v).size();
    }

    @Test
    void blobWithoutShapeButWithDataIsRejected() {
        CaffeFormatException e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "x")
                .message(7, new ProtoWriter().packedFloats(5, 1, 2))).toByteArray());
        assertTrue(e.getMessage().contains("layer[0] 'x' blobs[0]: 2 values for shape []"), e.getMessage());
        e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "x")
                .message(7, new ProtoWriter().message(7, shape(1L << 40, 1L << 40)))).toByteArray());
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
        e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "x")
                .message(7, new ProtoWriter().packedFloats(5, 1).packedDoubles(8, 1))).toByteArray());
        assertTrue(e.getMessage().contains("both data and double_data"), e.getMessage());
    }

    @Test
    void truncatedInput() {
        byte[] full = sampleNet();
        for (int cut : new int[] {1, full.length / 3, full.length / 2, full.length - 1}) {
            byte[] bytes = Arrays.copyOf(full, cut);
            CaffeFormatException e = fails(bytes);
            assertTrue(e.offset() >= 0 && e.offset() <= cut, e.getMessage());
        }
        // a varint cut in its middle
        CaffeFormatException e = fails(new ProtoWriter().tag(5, 0).raw((byte) 0x80).toByteArray());
        assertTrue(e.getMessage().contains("truncated varint") && e.offset() == 1, e.getMessage());
        // a fixed32 cut short, inside a layer's LRN alpha
        byte[] lrn = new ProtoWriter().tag(2, 5).raw((byte) 1, (byte) 2).toByteArray();
        e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "n").bytes(118, lrn)).toByteArray());
        assertEquals("layer[0] 'n' lrn_param", e.path());
        assertTrue(e.getMessage().contains("truncated 32-bit value"), e.getMessage());
    }

    @Test
    void lengthRunningPastTheEnd() {
        byte[] bytes = new ProtoWriter().string(1, "net").tag(100, 2).rawVarint(50).raw(new byte[10]).toByteArray();
        CaffeFormatException e = fails(bytes);
        assertEquals("", e.path());
        assertEquals(7, e.offset()); // after "name" (5 bytes) and the two-byte tag of field 100
        assertTrue(e.getMessage().contains("length 50 runs past the end"), e.getMessage());
        // a nested length that fits the file but not its enclosing message
        ProtoWriter layer = new ProtoWriter().string(1, "c").tag(7, 2).rawVarint(3);
        bytes = new ProtoWriter().message(100, layer).raw(new byte[8]).toByteArray();
        e = fails(bytes);
        assertEquals("layer[0] 'c'", e.path());
        assertTrue(e.getMessage().contains("length 3 runs past the end"), e.getMessage());
    }

    @Test
    void badWireTypes() {
        CaffeFormatException e = fails(new ProtoWriter().tag(7, 6).toByteArray());
        assertTrue(e.getMessage().contains("bad wire type 6 for field 7"), e.getMessage());
        assertEquals(0, e.offset());
        // a known field with the wrong wire type: name as varint
        e = fails(new ProtoWriter().varint(1, 3).toByteArray());
        assertTrue(e.getMessage().contains("bad wire type 0 for name"), e.getMessage());
        // LRN alpha as varint
        e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "n")
                .message(118, new ProtoWriter().varint(2, 1))).toByteArray());
        assertEquals("layer[0] 'n' lrn_param", e.path());
        assertTrue(e.getMessage().contains("bad wire type 0 for alpha (field 2)"), e.getMessage());
        // unmatched end-group
        e = fails(new ProtoWriter().tag(9, 4).toByteArray());
        assertTrue(e.getMessage().contains("end-group"), e.getMessage());
        // packed floats whose length is not a multiple of 4
        e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "c")
                .message(7, new ProtoWriter().bytes(5, new byte[6]))).toByteArray());
        assertEquals("layer[0] 'c' blobs[0]", e.path());
        assertTrue(e.getMessage().contains("not a multiple of 4"), e.getMessage());
    }

    @Test
    void unknownEnumValueAndLegacyV1Layers() {
        CaffeFormatException e = fails(new ProtoWriter().message(100, new ProtoWriter().string(1, "p")
                .message(121, new ProtoWriter().varint(1, 7))).toByteArray());
        assertTrue(e.getMessage().contains("layer[0] 'p' pooling_param: unknown pool value 7"), e.getMessage());
        e = fails(new ProtoWriter().string(1, "old").message(2, new ProtoWriter().string(4, "conv1")).toByteArray());
        assertTrue(e.getMessage().contains("legacy V1 'layers' (NetParameter field 2)"), e.getMessage());
    }

    @Test
    void importerParamsAndNetInputs() {
        ProtoWriter data = new ProtoWriter().string(1, "mnist").string(2, "Data").string(4, "data").string(4, "label")
                .message(100, new ProtoWriter().floatField(1, 0.00390625f).floatField(5, 3f).floatField(5, 4f));
        ProtoWriter in = new ProtoWriter().string(1, "in").string(2, "Input")
                .message(143, new ProtoWriter().message(1, shape(64, 1, 28, 28)).message(1, shape(64)));
        ProtoWriter leaky = new ProtoWriter().string(1, "r").message(123, new ProtoWriter().floatField(1, 0.1f));
        ProtoWriter bn = new ProtoWriter().string(1, "bn").message(139, new ProtoWriter().varint(1, 1)
                .floatField(3, 1e-3f));
        ProtoWriter sc = new ProtoWriter().string(1, "sc").message(142, new ProtoWriter().varint(1, -1)
                .varint(4, 1));
        byte[] bytes = new ProtoWriter().string(3, "a").string(3, "b").packedVarints(4, 1, 2, 3, 4)
                .varint(4, 5).varint(4, 6).varint(4, 7).varint(4, 8)
                .message(100, data).message(100, in).message(100, leaky).message(100, bn).message(100, sc)
                .toByteArray();
        CaffeNet net = CaffeModelReader.parse(bytes);
        assertEquals(List.of(new NetInput("a", List.of(1L, 2L, 3L, 4L)), new NetInput("b", List.of(5L, 6L, 7L, 8L))),
                net.inputs());
        TransformParam t = net.layer("mnist").transform().orElseThrow();
        assertEquals(0.00390625f, t.scale());
        assertEquals(List.of(3f, 4f), t.meanValues());
        assertTrue(t.subtractsMean());
        assertEquals(List.of("data", "label"), net.layer("mnist").tops());
        assertEquals(List.of(List.of(64L, 1L, 28L, 28L), List.of(64L)), net.layer("in").input().orElseThrow().shapes());
        assertEquals(0.1f, net.layer("r").relu().orElseThrow().negativeSlope());
        assertEquals(new BatchNormParam(1e-3f), net.layer("bn").batchNorm().orElseThrow());
        assertEquals(new ScaleParam(-1, 1, true), net.layer("sc").scale().orElseThrow());
        assertTrue(net.layer("sc").relu().isEmpty());

        byte[] twoShapes = new ProtoWriter().string(3, "a").message(8, shape(1, 2)).message(8, shape(3))
                .toByteArray();
        assertTrue(fails(twoShapes).getMessage().contains("2 input_shape for 1 input"));
        byte[] threeDims = new ProtoWriter().string(3, "a").packedVarints(4, 1, 2, 3).toByteArray();
        assertTrue(fails(threeDims).getMessage().contains("3 input_dim for 1 input"));
    }
}

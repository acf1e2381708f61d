package io.robustbounds.certified;

/** The windows of a size×size pooling with a stride and no padding over a [ch, h, w] input (average or MAX). */
final class PoolWindow {
    final int ch;
    final int h;
    final int w;
    final int size;
    final int stride;
    final int th;
    final int tw;

    PoolWindow(long[] inShape, int size, int stride) {
        ch = (int) inShape[0];
        h = (int) inShape[1];
        w = (int) inShape[2];
        this.size = size;
        this.stride = stride;
        th = (h - size) / stride + 1;
        tw = (w - size) / stride + 1;
    }

    int inputSize() {
        return ch * h * w;
    }

    int outputSize() {
        return ch * th * tw;
    }

    /** Input index of window element (dy, dx) of output o. */
    int input(int o, int dy, int dx) {
        int c = o / (th * tw);
        int y = (o / tw) % th;
        int x = o % tw;
        return (c * h + y * stride + dy) * w + x * stride + dx;
    }
}

package io.robustbounds.caffe;

/** InnerProductParameter (caffe.proto: num_output 1, bias_term 2 [default true], axis 5 [default 1], transpose 6). */
public record InnerProductParam(long numOutput, boolean biasTerm, long axis, boolean transpose) {
    public static InnerProductParam defaults() {
        return new InnerProductParam(0, true, 1, false);
    }

    @Override
    public String toString() {
        return "ip(num_output=" + numOutput + ", bias_term=" + biasTerm + ", axis=" + axis + ", transpose="
                + transpose + ")";
    }
}

package dev.invariant.engine.model;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A named, row-major tensor whose bytes live in a {@link MemorySegment} (a read-only mmap of a
 * safetensors file, or memory filled by a synthetic generator). The bytes are produced on first use,
 * so a model's shapes can be inspected without materialising its weights.
 */
public final class Tensor {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final Supplier<MemorySegment> source;
    private final Consumer<Consumer<MemorySegment>> pieces;
    private volatile MemorySegment data;

    public Tensor(String name, DType dtype, long[] shape, Supplier<MemorySegment> source) {
        this(name, dtype, shape, source, null);
    }

    /** A tensor that can also stream its bytes in order without materialising them ({@link #feed}). */
    public Tensor(String name, DType dtype, long[] shape, Supplier<MemorySegment> source,
                  Consumer<Consumer<MemorySegment>> pieces) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.source = source;
        this.pieces = pieces;
    }

    public static Tensor of(String name, DType dtype, long[] shape, MemorySegment data) {
        Tensor t = new Tensor(name, dtype, shape, () -> data);
        t.data = data;
        return t;
    }

    public String name() { return name; }
    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteSize() {
        return elementCount() * dtype.bytes();
    }

    /** The tensor's bytes (little-endian), materialised on first call. */
    public MemorySegment data() {
        MemorySegment d = data;
        if (d == null) {
            synchronized (this) {
                d = data;
                if (d == null) {
                    d = source.get();
                    if (d.byteSize() != byteSize()) {
                        throw new IllegalStateException(name + ": expected " + byteSize() + " bytes, got " + d.byteSize());
                    }
                    data = d;
                }
            }
        }
        return d;
    }

    /**
     * Feeds the bytes, in order, in pieces valid only during each call: streamed when the tensor is generated and not
     * yet materialised (a layout conversion then costs no second copy), else slices of {@link #data()}.
     */
    public void feed(Consumer<MemorySegment> sink) {
        if (data == null && pieces != null) {
            pieces.accept(sink);
        } else {
            TensorSource.MATERIALISED.feed(this, sink);
        }
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}

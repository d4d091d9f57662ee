package dev.invariant.engine.model;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Streams a tensor's little-endian bytes, in order, in pieces. Writers and digests read weights
 * through this so that generated (synthetic) tensors can be streamed without materialising them.
 */
@FunctionalInterface
public interface TensorSource {

    /** Largest piece handed to a sink: slices keep {@code asByteBuffer} under its 2 GB limit. */
    long PIECE_BYTES = 1L << 24;

    /** Feeds every byte of {@code tensor} to {@code sink}, in order; pieces are only valid during the call. */
    void feed(Tensor tensor, Consumer<MemorySegment> sink);

    /** Reads the tensor's own bytes ({@link Tensor#data()}), materialising them if needed. */
    TensorSource MATERIALISED = (tensor, sink) -> {
        MemorySegment data = tensor.data();
        for (long off = 0; off < data.byteSize(); off += PIECE_BYTES) {
            sink.accept(data.asSlice(off, Math.min(PIECE_BYTES, data.byteSize() - off)));
        }
    };
}

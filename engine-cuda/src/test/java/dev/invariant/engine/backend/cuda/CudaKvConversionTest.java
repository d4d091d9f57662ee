package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.Fp8;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KV cache conversions of kernels/kv.cuh against their Java twins, exhaustively (docs/numerics.md §13): every
 * one of the 2^32 binary32 bit patterns narrowed to bf16, fp8 e4m3 and fp8 e5m2 on the GPU (kernels/kv_convert.cu,
 * in chunks of 2^28) gives the bits {@link Bf16#fromFloat} / {@link Fp8#toE4m3} / {@link Fp8#toE5m2} give, and every
 * stored pattern (65,536 bf16, 256 per fp8) widens to the same binary32 bits.
 */
class CudaKvConversionTest {
    private static final int CHUNK_LOG = 28;
    private static final int CHUNK = 1 << CHUNK_LOG;
    private static final int SLICE = 1 << 16;  // the host compares a chunk in slices, in parallel
    private static CudaContext ctx;
    private static CUdeviceptr out;

    @BeforeAll
    static void gpu() {
        Gpu.assume();
        ctx = CudaContext.open(0);
        out = ctx.alloc(2L * CHUNK);
    }

    @AfterAll
    static void close() {
        if (ctx != null) ctx.close();
    }

    @Test
    void everyFloatNarrowsToBf16AsInJava() {
        short[] host = new short[CHUNK];
        encode("kv_encode_bf16", () -> {
            cuMemcpyDtoH(Pointer.to(host), out, 2L * CHUNK);
            return i -> host[i] & 0xFFFF;
        }, bits -> Bf16.fromFloat(Float.intBitsToFloat(bits)) & 0xFFFF);
    }

    @Test
    void everyFloatNarrowsToFp8E4m3AsInJava() {
        byte[] host = new byte[CHUNK];
        encode("kv_encode_fp8e4m3", () -> {
            cuMemcpyDtoH(Pointer.to(host), out, CHUNK);
            return i -> host[i] & 0xFF;
        }, bits -> Fp8.toE4m3(Float.intBitsToFloat(bits)) & 0xFF);
    }

    @Test
    void everyFloatNarrowsToFp8E5m2AsInJava() {
        byte[] host = new byte[CHUNK];
        encode("kv_encode_fp8e5m2", () -> {
            cuMemcpyDtoH(Pointer.to(host), out, CHUNK);
            return i -> host[i] & 0xFF;
        }, bits -> Fp8.toE5m2(Float.intBitsToFloat(bits)) & 0xFF);
    }

    @Test
    void everyStoredPatternWidensAsInJava() {
        decode("kv_decode_bf16", 65536, i -> Float.floatToRawIntBits(Bf16.bf16ToFloat((short) i)));
        decode("kv_decode_fp8e4m3", 256, i -> Float.floatToRawIntBits(Fp8.e4m3ToFloat((byte) i)));
        decode("kv_decode_fp8e5m2", 256, i -> Float.floatToRawIntBits(Fp8.e5m2ToFloat((byte) i)));
    }

    /** Runs {@code kernel} over every chunk of bit patterns; {@code fetch} copies a chunk back and reads element i. */
    private static void encode(String kernel, Supplier<IntUnaryOperator> fetch, IntUnaryOperator java) {
        CUfunction f = ctx.function("kv_convert", kernel);
        AtomicLong mismatches = new AtomicLong();
        StringBuffer first = new StringBuffer();
        for (long c = 0; c < 1L << 32; c += CHUNK) {
            int start = (int) c;
            launch(f, new int[] {start}, out, new int[] {CHUNK});
            ctx.synchronize();
            IntUnaryOperator gpu = fetch.get();
            IntStream.range(0, CHUNK / SLICE).parallel().forEach(s -> {
                for (int i = s * SLICE, end = i + SLICE; i < end; i++) {
                    int bits = start + i;
                    int want = java.applyAsInt(bits);
                    int got = gpu.applyAsInt(i);
                    if (got != want && mismatches.getAndIncrement() < 5) {
                        first.append(String.format("%n  f32 0x%08X: cuda 0x%X, java 0x%X", bits, got, want));
                    }
                }
            });
        }
        assertEquals(0, mismatches.get(), kernel + " differs from Java on " + mismatches.get() + " of 2^32 inputs:" + first);
    }

    private static void decode(String kernel, int n, IntUnaryOperator java) {
        launch(ctx.function("kv_convert", kernel), out, new int[] {n});
        ctx.synchronize();
        int[] host = new int[n];
        cuMemcpyDtoH(Pointer.to(host), out, 4L * n);
        StringBuilder diff = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (host[i] != java.applyAsInt(i)) {
                diff.append(String.format("%n  stored 0x%X: cuda 0x%08X, java 0x%08X", i, host[i], java.applyAsInt(i)));
            }
        }
        assertEquals("", diff.toString(), kernel + " widens differently from Java:");
    }

    private static void launch(CUfunction f, Object... args) {
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            ps[i] = args[i] instanceof CUdeviceptr p ? Pointer.to(p) : Pointer.to((int[]) args[i]);
        }
        int threads = 256;
        int blocks = ctx.multiprocessors * 8;
        cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, ctx.stream, Pointer.to(ps), null);
    }
}

package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.Fp8;

/**
 * One side (keys or values) of the paged KV cache, per layer, in the stored dtype. {@link #store} rounds binary32 to
 * the dtype (docs/numerics.md, "KV cache storage"); {@link #load} widens exactly. fp32 rows are also read in place
 * ({@link F32#layer}), so the default cache costs no copy.
 */
abstract sealed class KvRows permits KvRows.F32, KvRows.Bf16Rows, KvRows.Fp8Rows {

    static KvRows of(KvCacheDtype dtype, int layers, int perLayer) {
        return switch (dtype.storage()) {
            case FP32, AUTO -> new F32(layers, perLayer);
            case BF16 -> new Bf16Rows(layers, perLayer);
            case FP8_E4M3 -> new Fp8Rows(layers, perLayer, false);
            case FP8_E5M2 -> new Fp8Rows(layers, perLayer, true);
        };
    }

    /** Rounds src[so .. so + n) to the stored dtype at element offset {@code off} of {@code layer}. */
    abstract void store(int layer, int off, float[] src, int so, int n);

    /** The stored elements [off, off + n) of {@code layer}, widened exactly into dst[d ..]. */
    abstract void load(int layer, int off, float[] dst, int d, int n);

    static final class F32 extends KvRows {
        private final float[][] data;

        F32(int layers, int perLayer) {
            data = new float[layers][perLayer];
        }

        float[] layer(int layer) {
            return data[layer];
        }

        @Override
        void store(int layer, int off, float[] src, int so, int n) {
            System.arraycopy(src, so, data[layer], off, n);
        }

        @Override
        void load(int layer, int off, float[] dst, int d, int n) {
            System.arraycopy(data[layer], off, dst, d, n);
        }
    }

    static final class Bf16Rows extends KvRows {
        private final short[][] data;

        Bf16Rows(int layers, int perLayer) {
            data = new short[layers][perLayer];
        }

        @Override
        void store(int layer, int off, float[] src, int so, int n) {
            short[] a = data[layer];
            for (int i = 0; i < n; i++) a[off + i] = Bf16.fromFloat(src[so + i]);
        }

        @Override
        void load(int layer, int off, float[] dst, int d, int n) {
            short[] a = data[layer];
            for (int i = 0; i < n; i++) dst[d + i] = Bf16.bf16ToFloat(a[off + i]);
        }
    }

    static final class Fp8Rows extends KvRows {
        private final byte[][] data;
        private final boolean e5m2;

        Fp8Rows(int layers, int perLayer, boolean e5m2) {
            data = new byte[layers][perLayer];
            this.e5m2 = e5m2;
        }

        @Override
        void store(int layer, int off, float[] src, int so, int n) {
            byte[] a = data[layer];
            for (int i = 0; i < n; i++) a[off + i] = e5m2 ? Fp8.toE5m2(src[so + i]) : Fp8.toE4m3(src[so + i]);
        }

        @Override
        void load(int layer, int off, float[] dst, int d, int n) {
            byte[] a = data[layer];
            for (int i = 0; i < n; i++) dst[d + i] = e5m2 ? Fp8.e5m2ToFloat(a[off + i]) : Fp8.e4m3ToFloat(a[off + i]);
        }
    }
}

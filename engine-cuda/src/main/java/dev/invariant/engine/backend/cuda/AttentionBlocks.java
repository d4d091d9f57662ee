package dev.invariant.engine.backend.cuda;

import static dev.invariant.engine.backend.cuda.AttentionKernels.SPLIT;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.kv.KvCacheDtype;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Decode attention a block per split (kernels/attention_blocks.cu) in place of attention_decode.cu's warp per split,
 * for steps of up to {@link AttentionKernels#DECODE_ATTENTION_TOKENS} tokens: the rows earlier steps wrote are
 * requested before the kernel waits for the projection, and with {@code blocks-rope} the kernel also does rope_kv.cu's
 * RoPE and KV write (models without a per-head q/k norm), so the step has one kernel per layer fewer;
 * {@code cluster} launches the same in thread-block clusters of {@link #CLUSTER} (attention_cluster*), whose splits
 * merge in the first block's shared memory. The same values on every path (numerics.md §7, §8): which block computes
 * a split or merges never changes a bit. Portable and fast profiles only (naive merges attention_decode.cu's records
 * its own way).
 */
final class AttentionBlocks {
    /**
     * auto (default: cluster), splits (attention_decode.cu), blocks (attention_blocks.cu after rope_kv.cu),
     * blocks-rope (attention_blocks.cu's _rope kernels, no rope_kv.cu where the model has no q/k norm and
     * -Dinvariant.cuda.fused-rope is off) or cluster (blocks-rope's work in clusters of {@link #CLUSTER}:
     * attention_cluster[_rope]). Measured on an H200 (bench/device/kernels/attention_chain.cu, 8 Qwen1.5-14B layers in
     * one graph with dependent launches, 2026-12-02 13:34): over the chained projections alone, rope and attention
     * cost 12.44 / 4.62 / 1.24 µs per layer with splits / blocks / blocks-rope at a 48-position context, 44.22 / 31.88
     * / 24.98 at 1,024; at 17:00, blocks-rope / cluster 1.86 / 1.68 at 48 and 3.85 / 2.95 at 100 (two splits).
     */
    static final String PROPERTY = "invariant.cuda.attention-variant";
    static final java.util.List<String> VARIANTS = java.util.List.of("auto", "splits", "blocks", "blocks-rope", "cluster");
    /** What auto takes. */
    static final String AUTO = "cluster";
    /** Blocks per (token, head) at most: each takes splits g, g + GROUPS, ... */
    static final int GROUPS = 16;
    /** Blocks per cluster of the cluster variant (attention_blocks.cu's ATTENTION_CLUSTER, fixed at compile time). */
    static final int CLUSTER = 8;

    private final Kernels k;
    private final CUfunction plain;
    private final CUfunction rope;
    private final int threads;
    private final int smem;
    private final int groups;

    private AttentionBlocks(Kernels k, KvCacheDtype kv, boolean withRope, boolean cluster, int headDim, int smem) {
        this.k = k;
        String name = cluster ? "attention_cluster" : "attention_blocks";
        this.plain = k.dependentFn("attention_blocks", name + Kernels.kvSuffix(kv));
        this.rope = withRope ? k.dependentFn("attention_blocks", name + "_rope" + Kernels.kvSuffix(kv)) : null;
        this.threads = threads(headDim);
        this.smem = smem;
        this.groups = groups(k.attention.maxSplits, cluster);
        for (CUfunction f : rope == null ? new CUfunction[] {plain} : new CUfunction[] {plain, rope}) {
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
        }
    }

    /** The variant asked for, auto resolved; an unknown name is an error. */
    static String variant() {
        String v = System.getProperty(PROPERTY, "auto");
        if (!VARIANTS.contains(v)) throw new IllegalArgumentException(PROPERTY + "=" + v + ": use one of " + VARIANTS);
        return v.equals("auto") ? AUTO : v;
    }

    /** The kernels of the variant asked for, or null: splits, or a head too wide for a block's shared memory. */
    static AttentionBlocks of(CudaContext ctx, Kernels k, KvCacheDtype kv, int headDim) {
        String v = variant();
        boolean cluster = v.equals("cluster");
        int bytes = smem(headDim, cluster);
        if (v.equals("splits") || bytes > ctx.maxSharedPerBlock || threads(headDim) > 1024) return null;
        return new AttentionBlocks(k, kv, !v.equals("blocks"), cluster, headDim, bytes);
    }

    /** Blocks per (token, head): GROUPS at most, a whole number of clusters for the cluster variant. */
    static int groups(int maxSplits, boolean cluster) {
        int g = Math.min(GROUPS, maxSplits);
        return cluster ? (g + CLUSTER - 1) / CLUSTER * CLUSTER : g;
    }

    /** A thread per key of a split and per value column of a head: at least 128, a whole number of warps. */
    static int threads(int headDim) {
        return Math.max(128, (headDim + 31) / 32 * 32);
    }

    /**
     * The kernel's shared memory (its block_smem): a split's key rows (stride headDim + 4, or + 1 for a head_dim that
     * is not a multiple of 4) and value rows, q, e_j, 32 warp maxima, the rows' offsets; cluster: also the cluster's
     * split records (CLUSTER of headDim + 2).
     */
    static int smem(int headDim, boolean cluster) {
        int keyStride = (headDim & 3) == 0 ? headDim + 4 : headDim + 1;
        int base = SPLIT * keyStride + SPLIT * headDim + headDim + SPLIT + 32 + SPLIT;
        return 4 * (cluster ? base + CLUSTER * (headDim + 2) : base);
    }

    /** Whether a step of n tokens takes these kernels under the profile (else profile.attend). */
    boolean takes(ProfileKernels profile, int n) {
        return !(profile instanceof NaiveKernels) && k.attention.decodeAttention(n);
    }

    /** Whether the step's RoPE and KV write are this kernel's (no rope_kv.cu): blocks-rope, no q/k norm, even head. */
    boolean takesRope(ProfileKernels profile, int n, CUdeviceptr qNorm, int headDim) {
        return rope != null && takes(profile, n) && qNorm == null && (headDim & 1) == 0;
    }

    /**
     * Attention of the step's n tokens into out, scratch as {@link AttentionKernels#decodeScratchBytes}; withRope: q
     * and the step's k rows are rotated here from the unrotated q|k|v rows, and the step's K/V rows written into the
     * cache.
     */
    void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values, CUdeviceptr cos,
                CUdeviceptr sin, boolean withRope, int heads, int kvHeads, int headDim, int blockSize,
                AttentionScores scores, int n, CUdeviceptr scratch) {
        k.launchGrid(withRope ? rope : plain, n * heads, groups, 1, threads, smem, qkv, scratch, in.positions(),
                in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin, keys, values, n, heads, kvHeads, headDim,
                blockSize, scores.scale(), scores.window(), scores.softcap(), k.attention.maxSplits, out,
                k.attention.mergeCounters(scratch, heads, headDim));
    }
}

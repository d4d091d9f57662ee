package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.kv.KvCacheDtype;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Causal attention over the paged KV cache in fixed splits of {@link #SPLIT} keys: kernels/attention.cu, or for steps
 * of up to {@link #DECODE_ATTENTION_TOKENS} tokens attention_decode.cu's splits, then their merge; the same values.
 */
final class AttentionKernels {
    /** Attention's fixed key split (docs/numerics.md §8); the kernel's SPLIT. */
    static final int SPLIT = 64;
    private static final int ATTENTION_WARPS = 4;
    /** Caps attention's one-pass capacity (splits); tests set it low to run the two-pass path on short contexts. */
    static final String ATTENTION_SLOTS = "invariant.cuda.attention-slots";
    /** Steps of at most this many tokens take decode attention (splits spread over warps and blocks), by default. */
    static final int DECODE_ATTENTION_TOKENS = 16;
    /**
     * The step size up to which decode attention is taken, in place of {@link #DECODE_ATTENTION_TOKENS} (e.g. 64:
     * batch-64 decode steps then take a block per split, not attention.cu's warp per split); the decode scratch grows
     * with it. The same values either way.
     */
    static final String DECODE_TOKENS = "invariant.cuda.decode-attention-tokens";
    /** false: every step takes attention.cu (tests use it to run that kernel's paths on decode steps too). */
    static final String DECODE_ATTENTION = "invariant.cuda.decode-attention";
    private static final int DECODE_GROUPS = 16;  // at most 16 blocks per (token, head): 64 warps over its splits
    /**
     * limit (default): attention.cu's shared memory sized for the longest context served ({@link #maxSplits}); step:
     * for the step's longest context, rounded up to a power of two splits (at least {@link #MIN_STEP_SPLITS}), so
     * that short contexts keep more blocks per multiprocessor. The same values either way: the layout holds what
     * the step's tokens use, and the one- or two-pass choice is the same (a token takes two passes only where its
     * splits exceed the capacity's slots).
     */
    static final String SMEM = "invariant.cuda.attention-smem";
    static final int MIN_STEP_SPLITS = 8;
    /** false: attention_merge runs as a kernel of its own after attention_splits (for comparison; the same bits). */
    static final String MERGE_IN_SPLITS = "invariant.cuda.merge-in-splits";

    private final Kernels kernels;
    private final CUfunction attention;
    private final CUfunction attentionSplits;
    private final CUfunction attentionMerge;
    private final int headDim;
    /** Splits of 64 positions in the longest context: the records per (token, head) in decode scratch. */
    final int maxSplits;
    private final int attentionSlots;
    private final boolean perStep;
    private final int decodeWarps;
    private final int decodeSmem;
    private final int decodeTokens = decodeTokens();
    private final boolean mergeInSplits = Boolean.parseBoolean(System.getProperty(MERGE_IN_SPLITS, "true"));

    /**
     * @param maxPositions the longest context attention must serve: it sizes the kernel's shared memory
     * @param kv           the KV cache's stored dtype: picks attention's variant (kernels/kv.cuh)
     */
    AttentionKernels(Kernels k, CudaContext ctx, int headDim, int maxPositions, KvCacheDtype kv) {
        this.kernels = k;
        this.headDim = headDim;
        perStep = switch (System.getProperty(SMEM, "limit")) {
            case "limit" -> false;
            case "step" -> true;
            case String other -> throw new IllegalArgumentException("-D" + SMEM + "=" + other + ": use limit or step");
        };
        attention = k.dependentFn("attention", "attention" + Kernels.kvSuffix(kv));
        attentionSplits = k.dependentFn("attention_decode", "attention_splits" + Kernels.kvSuffix(kv));
        attentionMerge = k.dependentFn("attention_decode", "attention_merge");
        // Attention keeps every split's m_s and l_s in shared memory and as many splits' o_s as fit ("slots"); a
        // longer context takes its two-pass path (kernels/attention.cu), with the same values.
        maxSplits = (maxPositions + SPLIT - 1) / SPLIT;
        int base = 4 * (headDim + 2 * ATTENTION_WARPS * SPLIT + 2 * maxSplits);
        int fit = (ctx.maxSharedPerBlock - base) / (4 * headDim);
        attentionSlots = Math.min(Math.min(maxSplits, fit), Integer.getInteger(ATTENTION_SLOTS, Integer.MAX_VALUE));
        // the two-pass path (more splits than slots) needs a slot per warp; its output loop covers 4 values per thread
        boolean twoPass = attentionSlots < maxSplits;
        if ((twoPass && attentionSlots < ATTENTION_WARPS) || headDim > 4 * 32 * ATTENTION_WARPS) {
            throw CudaContext.unavailable("attention over " + maxPositions + " positions of head_dim " + headDim
                    + " does not fit the GPU's " + ctx.maxSharedPerBlock + " bytes of shared memory per block; serve a"
                    + " shorter context (max_model_len)");
        }
        cuFuncSetAttribute(attention, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                smem(maxSplits));
        // attention_decode: per warp a split's key and value rows, its e_j and row offsets; as many warps (≤ 4) as fit
        int keyStride = (headDim & 3) == 0 ? headDim + 4 : headDim + 1;  // the kernel's key_stride
        int perWarp = 4 * (SPLIT * headDim + SPLIT * keyStride + 2 * SPLIT);
        int warps = Math.min(ATTENTION_WARPS, (ctx.maxSharedPerBlock - 4 * headDim) / perWarp);
        decodeWarps = Boolean.parseBoolean(System.getProperty(DECODE_ATTENTION, "true")) ? warps : 0;
        decodeSmem = 4 * headDim + Math.max(decodeWarps, 0) * perWarp;
        if (decodeWarps > 0) {
            cuFuncSetAttribute(attentionSplits, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    decodeSmem);
        }
    }

    /** The {@link #DECODE_TOKENS} setting: a count of at least 1, else an error naming it. */
    private static int decodeTokens() {
        String v = System.getProperty(DECODE_TOKENS);
        if (v == null) return DECODE_ATTENTION_TOKENS;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + DECODE_TOKENS + "=" + v + ": give a count of tokens, at least 1");
    }

    /**
     * Bytes of attention_decode's scratch: every split's m_s, l_s and o_s of a decode step, then a counter per
     * (token, head) for the merge in attention_splits (zero when allocated; the merging block resets its own).
     */
    long decodeScratchBytes(int heads, int headDim) {
        return 4L * decodeTokens * heads * (maxSplits * (headDim + 2L) + 1);
    }

    /** The merge counters at the end of the scratch of {@link #decodeScratchBytes}. */
    CUdeviceptr mergeCounters(CUdeviceptr scratch, int heads, int headDim) {
        return scratch.withByteOffset(4L * decodeTokens * heads * maxSplits * (headDim + 2L));
    }

    void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values,
                int heads, int kvHeads, int headDim, int blockSize, AttentionScores scores, int n,
                CUdeviceptr scratch) {
        if (decodeAttention(n)) {
            decodeSplits(qkv, in, keys, values, heads, kvHeads, headDim, blockSize, scores, n, scratch,
                    mergeInSplits ? out : null);
            if (!mergeInSplits) {
                kernels.launch(attentionMerge, n * heads, 1, mergeThreads(headDim), 0, scratch, out, in.positions(),
                        heads, headDim, maxSplits, scores.window());
            }
            return;
        }
        int splits = in.attentionSplits();
        kernels.launch(attention, n * heads, 1, 32 * ATTENTION_WARPS, smem(splits), qkv, out, in.positions(),
                in.tokenSeq(), in.seqTableStart(), in.tables(), keys, values, heads, kvHeads, headDim, blockSize,
                scores.scale(), scores.window(), scores.softcap(), splits, Math.min(attentionSlots, splits));
    }

    /**
     * The splits attention.cu's shared memory holds for a step whose longest context ends at {@code maxEnd}: every
     * split of the longest context served, or (step) the step's own rounded up to a power of two, which keys its
     * CUDA graph too.
     */
    int splitsFor(int maxEnd) {
        return perStep ? stepSplits(maxEnd, maxSplits) : maxSplits;
    }

    /**
     * The splits of a layout for contexts ending at or before maxEnd: a power of two, at least {@link #MIN_STEP_SPLITS}
     * and ⌈maxEnd / 64⌉, at most maxSplits (a step never goes past the longest context served).
     */
    static int stepSplits(int maxEnd, int maxSplits) {
        int needed = Math.max(MIN_STEP_SPLITS, (maxEnd + SPLIT - 1) / SPLIT);
        return Math.min(maxSplits, Integer.highestOneBit(needed - 1) << 1);
    }

    /** attention.cu's shared memory for a layout of {@code splits}: q, e and row offsets, m_s and l_s, the slots. */
    private int smem(int splits) {
        int slots = Math.min(attentionSlots, splits);
        return 4 * (headDim + 2 * ATTENTION_WARPS * SPLIT + 2 * splits) + 4 * slots * headDim;
    }

    /** Whether a step of n tokens takes attention_decode.cu: its splits into scratch, then a merge. */
    boolean decodeAttention(int n) {
        return n <= decodeTokens && decodeWarps > 0;
    }

    /**
     * attention_decode.cu: every split's m_s, l_s and o_s of the step's tokens into scratch, merged into out by the
     * last block of each (token, head) unless out is null (records only).
     */
    void decodeSplits(CUdeviceptr qkv, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads, int kvHeads,
                      int headDim, int blockSize, AttentionScores scores, int n, CUdeviceptr scratch,
                      CUdeviceptr out) {
        // Which warp computes a split never changes a value: the grid may follow the step's size.
        int groups = Math.min(DECODE_GROUPS, (maxSplits + decodeWarps - 1) / decodeWarps);
        kernels.launch(attentionSplits, n * heads, groups, 32 * decodeWarps, decodeSmem, qkv, scratch,
                in.positions(), in.tokenSeq(), in.seqTableStart(), in.tables(), keys, values, heads, kvHeads, headDim,
                blockSize, scores.scale(), scores.window(), scores.softcap(), maxSplits, out,
                out == null ? null : mergeCounters(scratch, heads, headDim));
    }

    /** Threads of a merge block: one per output value of a head, at most 128. */
    static int mergeThreads(int headDim) {
        return Math.min(128, (headDim + 31) / 32 * 32);
    }
}

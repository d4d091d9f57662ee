// Kernel-level benchmark of the decode step at batch 1 with the real rope and attention: Qwen1.5-14B layers (hidden
// 5120, 40 heads = 40 KV heads of 128, intermediate 13696) or, with --shape qwen2.5-0.5b, Qwen2.5-0.5B layers (hidden
// 896, 14 heads on 2 KV heads of 64, intermediate 4864), each with its own weights and fp32 KV cache (paged, blocks
// of 16 positions in a shuffled table), chained as the backend chains them (qkv+norm+bias -> rope + KV write ->
// attention -> o+resid -> gate/up+norm+silu -> down+resid, matvec_stream.cu's base ring for both shapes) in ONE CUDA
// graph with dependent launches, at several context lengths, timed against the copy bandwidth. Variants between the
// qkv and o projections:
//   stand-in     step_chain.cuh's stand-in (no rope, no attention): what the projections alone cost
//   splits       rope_kv.cu + attention_decode.cu's attention_splits with the backend's grid (today)
//   blocks       rope_kv.cu + attention_blocks.cu (a block per split, cached rows requested before the wait)
//   blocks-rope  attention_blocks_rope alone (rope_kv's work done inside: one kernel and one boundary fewer)
//   rope-early   blocks-rope releasing the o projection before it waits (blocks_rope_early below): the o projection
//                is launched while the qkv projection runs, and each of its blocks lands, and requests its first
//                weights, as soon as a qkv block leaves its multiprocessor
//   tail         qkv_tail below: the qkv projection, then per KV head an integer counter of its finished q|k|v rows;
//                the block that completes a head's rows does its rope, KV write and attention (attention_blocks.cu's
//                attend_head, all splits on that block): two kernels and their boundaries fewer
//   acq-rel      blocks-rope, the merging block found by one acquire-release atomic of thread 0 (no fences)
//   cluster      attention_cluster_rope (the engine's): clusters of 8 blocks, 2..8 splits merged in the first block's
//                shared memory, the others' records sent by st.async onto its mbarrier (no fence); more as acq-rel
//   cluster2     the same in clusters of 2
//   g1, g2, g4, g8  blocks-rope with 1 / 2 / 4 / 8 blocks per (token, head) instead of 16 (fewer blocks that do
//                nothing at short contexts; more splits per block at long ones)
//   o-plain      blocks-rope, the o projection launched without the programmatic attribute
//   stamps, g2-stamps, cluster-stamps: blocks-rope, g2, cluster with %globaltimer stamps of each block's progress
//                (attend_head's PROBE points), printed for the last layer of the last replay
// Each measurement is printed as it is made, then the table.
// Every variant's KV rows written (every layer), the last layer's attention output and the final residual stream are
// checked bit-equal to splits', and splits' attention output to a one-thread-per-value reference (numerics.md §8).
// Build: bench/device/kernels/build. Run: attention_chain [--shape qwen1.5-14b|qwen2.5-0.5b] [--layers N]
// [--ctx 48,100,1024] [--reps N] [--plain] [--max-positions N] (the backend's longest context: it sizes
// attention_splits' grid and the split records) [--variants a,b,...] (default: all).
#include "step_chain.cuh"
#include "../../../kernels/rope_kv.cu"
#include "../../../kernels/attention_decode.cu"
#include "../../../kernels/attention_blocks.cu"
#include "layer.cuh"

#include <cmath>
#include <cstring>
#include <string>

// The reference: a thread per (head, value column), natural loops, both passes of §8 (the maxima, then the sums).
__global__ void reference_attention(const float* qkv, const float* K, const float* V, const int* table, int pos,
                                    int heads, int kvHeads, int headDim, int blockSize, float scale, float* out) {
    const int h = blockIdx.x, d = threadIdx.x, kvDim = kvHeads * headDim, kvh = h / (heads / kvHeads);
    const float* q = qkv + h * headDim;
    auto row = [&](const float* c, int j) { return c + (long long)(table[j / blockSize] * blockSize + j % blockSize) * kvDim + kvh * headDim; };
    auto split_max = [&](int s) {
        float m = __int_as_float(0xff800000);
        for (int j = s * SPLIT; j <= min(pos, s * SPLIT + SPLIT - 1); j++) m = inv::jmax(m, inv::thread_dot(q, row(K, j), headDim) * scale);
        return m;
    };
    float bigM = __int_as_float(0xff800000), bigL = 0.0f, acc = 0.0f;
    for (int s = 0; s <= pos / SPLIT; s++) bigM = inv::jmax(bigM, split_max(s));
    for (int s = 0; s <= pos / SPLIT; s++) {
        const float m = split_max(s);
        float l = 0.0f, o = 0.0f;
        for (int j = s * SPLIT; j <= min(pos, s * SPLIT + SPLIT - 1); j++) {
            const float e = inv::exp_canon(inv::thread_dot(q, row(K, j), headDim) * scale - m);
            l = l + e;
            o = fmaf(e, row(V, j)[d], o);
        }
        const float c = inv::exp_canon(m - bigM);
        bigL = bigL + l * c;
        acc = fmaf(o, c, acc);
    }
    out[h * headDim + d] = acc / bigL;
}

// The qkv projection (matvec_stream.cu's base ring, norm + bias) of one token with attention in its tail: this block's
// rows are its warps' runs; per KV head the rows this block wrote are added to counts[head] (after a fence), and the
// block whose add completes the head's (group + 2) * headDim rows resets the counter and attends that head's query
// heads, in the ring's shared memory (every copy into it has landed).
__global__ void __launch_bounds__(32 * STREAM_WARPS, 1)
    qkv_tail(const unsigned short* W, const float* x, const float* nw, float eps, float* y, const float* bias, int rows,
             int k, int stride, int ldx, const int* positions, const int* tokSeq, const int* seqStart,
             const int* tables, const float* cosT, const float* sinT, float* K, float* V, int heads, int kvHeads,
             int headDim, int blockSize, float scale, int maxSplits, float* part, float* out, int* done, int* counts) {
    stream_impl<unsigned short, STREAM_NORM>(W, x, nullptr, nw, eps, y, bias, nullptr, rows, k, stride, ldx);
    const long long tw = (long long)gridDim.x * STREAM_WARPS;
    const int r0 = (int)(blockIdx.x * STREAM_WARPS * (long long)rows / tw);
    const int r1 = (int)((blockIdx.x + 1) * STREAM_WARPS * (long long)rows / tw);
    const int grp = heads / kvHeads, qDim = heads * headDim, kvDim = kvHeads * headDim;
    __shared__ int ready[64], nready;
    __threadfence();  // this block's rows, visible before its counts
    __syncthreads();
    if (threadIdx.x == 0) {
        nready = 0;
        auto overlap = [&](int a, int b) { return max(0, min(r1, b) - max(r0, a)); };
        for (int g = 0; g < kvHeads; g++) {
            const int c = overlap(g * grp * headDim, (g + 1) * grp * headDim) +
                          overlap(qDim + g * headDim, qDim + (g + 1) * headDim) +
                          overlap(qDim + kvDim + g * headDim, qDim + kvDim + (g + 1) * headDim);
            if (c > 0 && atomicAdd(counts + g, c) + c == (grp + 2) * headDim) {
                counts[g] = 0;
                ready[nready++] = g;
            }
        }
        __threadfence();
    }
    __syncthreads();
    for (int i = 0; i < nready; i++)
        for (int h = ready[i] * grp; h < (ready[i] + 1) * grp; h++)
            attend_head<inv::KvF32, true, true>(y, part, positions, tokSeq, seqStart, tables, cosT, sinT, K, V, 1, heads,
                                                kvHeads, headDim, blockSize, scale, 0, 0.0f, maxSplits, out, done, 0, h, 0, 1);
}

// attention_blocks_rope (fp32 KV) with the next kernel released first: it may start before this one waits (and then
// waits for this one to finish, so the order of writes is kept).
__global__ void blocks_rope_early(const float* qkv, float* part, const int* positions, const int* tokSeq,
                                  const int* seqTableStart, const int* tables, const float* cosT, const float* sinT,
                                  float* keyCache, float* valueCache, int n, int heads, int kvHeads, int headDim,
                                  int blockSize, float scale, int window, float softcap, int maxSplits, float* out,
                                  int* done) {
    inv::release_next();
    const int t = blockIdx.x / heads;
    attend_head<inv::KvF32, true, false>(qkv, part, positions, tokSeq, seqTableStart, tables, cosT, sinT, keyCache,
                                         valueCache, n, heads, kvHeads, headDim, blockSize, scale, window, softcap,
                                         maxSplits, out, done, t, blockIdx.x - t * heads, blockIdx.y, gridDim.y);
}

// attention_blocks_rope (fp32 KV) with attend_head's options: the merge in a cluster of CLUSTER blocks along y, the
// acquire-release counter, a PROBE.
#define BENCH_BLOCKS(NAME, CLUSTER, ACQ_REL, PROBE, ATTR)                                                             \
    __global__ void ATTR NAME(const float* qkv, float* part, const int* positions, const int* tokSeq,               \
                              const int* seqTableStart, const int* tables, const float* cosT, const float* sinT,    \
                              float* keyCache, float* valueCache, int n, int heads, int kvHeads, int headDim,       \
                              int blockSize, float scale, int window, float softcap, int maxSplits, float* out,     \
                              int* done) {                                                                          \
        const int t = blockIdx.x / heads;                                                                           \
        attend_head<inv::KvF32, true, false, CLUSTER, ACQ_REL, PROBE>(                                              \
            qkv, part, positions, tokSeq, seqTableStart, tables, cosT, sinT, keyCache, valueCache, n, heads,        \
            kvHeads, headDim, blockSize, scale, window, softcap, maxSplits, out, done, t, blockIdx.x - t * heads,   \
            blockIdx.y, gridDim.y);                                                                                 \
    }
#define NO_ATTR
// Timestamps of attend_head's progress (PROBE::mark), thread 0 of each block: g_stamps[block * 8 + point].
__device__ unsigned long long* g_stamps;
struct StampProbe {
    static __device__ __forceinline__ void mark(int i) {
        if (threadIdx.x != 0) return;
        unsigned long long t;
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
        g_stamps[((long long)blockIdx.y * gridDim.x + blockIdx.x) * 8 + i] = t;
    }
};
BENCH_BLOCKS(blocks_acq_rel, 0, true, NoProbe, NO_ATTR)
BENCH_BLOCKS(blocks_cluster2, 2, true, NoProbe, __cluster_dims__(1, 2, 1))
BENCH_BLOCKS(blocks_stamped, 0, false, StampProbe, NO_ATTR)
BENCH_BLOCKS(blocks_cluster_stamped, ATTENTION_CLUSTER, true, StampProbe, __cluster_dims__(1, ATTENTION_CLUSTER, 1))

enum Var { STAND_IN, SPLITS, BLOCKS, BLOCKS_ROPE, ROPE_EARLY, TAIL, ACQ_REL, CLUSTER, CLUSTER2, G1, G2, G4, G8, O_PLAIN,
           STAMPS, STAMPS_G2, CLUSTER_STAMPS, NVAR };
static const char* kNames[NVAR] = {"stand-in", "splits", "blocks", "blocks-rope", "rope-early", "tail", "acq-rel",
                                   "cluster", "cluster2", "g1", "g2", "g4", "g8", "o-plain", "stamps", "g2-stamps",
                                   "cluster-stamps"};
static const void* kBlocksFn[NVAR] = {nullptr, nullptr, (const void*)attention_blocks, (const void*)attention_blocks_rope,
                                      (const void*)blocks_rope_early, nullptr, (const void*)blocks_acq_rel,
                                      (const void*)attention_cluster_rope, (const void*)blocks_cluster2,
                                      (const void*)attention_blocks_rope, (const void*)attention_blocks_rope,
                                      (const void*)attention_blocks_rope, (const void*)attention_blocks_rope,
                                      (const void*)attention_blocks_rope, (const void*)blocks_stamped,
                                      (const void*)blocks_stamped, (const void*)blocks_cluster_stamped};
static const int kCluster[NVAR] = {0, 0, 0, 0, 0, 0, 0, ATTENTION_CLUSTER, 2, 0, 0, 0, 0, 0, 0, 0, ATTENTION_CLUSTER};
// blocks per (token, head) where not the backend's (min(GROUPS, max splits), GROUPS for clusters)
static const int kGroups[NVAR] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 0, 0, 2, 0};
static bool stamped(int v) { return v == STAMPS || v == STAMPS_G2 || v == CLUSTER_STAMPS; }
static const char* kWhat[NVAR] = {
    "projections only (stand-in between qkv and o)",
    "rope_kv + attention_splits (3 warps, a warp per split, 16 blocks per head at most)",
    "rope_kv + attention_blocks (a block of 128 per split, cached rows before the wait)",
    "attention_blocks_rope (rope + KV write + attention in one kernel)",
    "blocks-rope, the o projection released before the wait",
    "qkv_tail: attention in the qkv projection's tail, by the block that completes a KV head's rows",
    "blocks-rope, one acquire-release atomic finds the merging block (no fences)",
    "attention_cluster_rope: clusters of 8, records by st.async onto the first block's mbarrier",
    "cluster in clusters of 2",
    "blocks-rope, 1 block per head (takes every split)", "blocks-rope, 2 blocks per head",
    "blocks-rope, 4 blocks per head", "blocks-rope, 8 blocks per head",
    "blocks-rope, the o projection launched plain (starts after attention ends)",
    "blocks-rope with timestamps (below)", "g2 with timestamps (below)", "cluster with timestamps (below)"};

struct Layer { unsigned short *qkv, *o, *gu, *d; float *nIn, *nPost, *bias, *K, *V; };
// The shape (--shape): hidden, heads, KV heads, head_dim, intermediate; qkv rows and a KV row follow.
static int H = 5120, HEADS = 40, KVH = 40, HD = 128, I = 13696, Q, KVD;
static const char* g_shape = "qwen1.5-14b";
constexpr int BS = 16, GROUPS = 16;  // positions per cache block; blocks per (token, head): AttentionBlocks.GROUPS
struct Step {
    int *positions, *tokSeq, *seqStart, *tables, *done; float *cosT, *sinT, *part, *x, *x0, *qkv, *attn, *h;
    int* counts; int pos, maxSplits; std::vector<int> table;
};
static bool g_pdl = true;
static int g_splitsSmem, g_blocksSmem;
static int blocks_smem(Var v) { return g_blocksSmem + 4 * kCluster[v] * (HD + 2); }

// g_probe: launches return their error into g_probeErr instead of exiting (a variant the device refuses is skipped).
static bool g_probe = false;
static cudaError_t g_probeErr = cudaSuccess;

static void launch(cudaStream_t s, const void* f, dim3 grid, int threads, void** args, int smem) {
    if (!g_probe) {
        launch_chained(s, g_pdl, f, grid, dim3(threads), args, smem);
        return;
    }
    cudaLaunchConfig_t c = {};
    c.gridDim = grid; c.blockDim = dim3(threads); c.dynamicSmemBytes = smem; c.stream = s;
    cudaLaunchAttribute a[1];
    a[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    a[0].val.programmaticStreamSerializationAllowed = 1;
    c.attrs = a; c.numAttrs = g_pdl ? 1 : 0;
    const cudaError_t e = cudaLaunchKernelExC(&c, f, args);
    if (e != cudaSuccess && g_probeErr == cudaSuccess) g_probeErr = e;
}

// rope, KV write and attention of one layer by variant v (all but STAND_IN).
static void attend(cudaStream_t s, Var v, const Layer& w, Step& st) {
    int n = 1, heads = HEADS, kvHeads = KVH, headDim = HD, bs = BS, maxSplits = st.maxSplits;
    float scale = (float)(1.0 / sqrt((double)HD)), eps = 1e-6f;
    const float* none = nullptr;
    if (v == SPLITS || v == BLOCKS) {
        void* a[] = {&st.qkv, &st.positions, &st.tokSeq, &st.seqStart, &st.tables, &st.cosT, &st.sinT, &none, &none,
                     &eps, &heads, &kvHeads, &headDim, &bs, (void*)&w.K, (void*)&w.V};
        launch(s, (const void*)rope_kv, dim3(1, HEADS + 2 * KVH), 32, a, 0);
    }
    if (v == SPLITS) {
        const int groups = std::min(16, (maxSplits + 2) / 3);
        int window = 0;       // every key
        float softcap = 0.0f;  // uncapped
        void* a[] = {&st.qkv, &st.part, &st.positions, &st.tokSeq, &st.seqStart, &st.tables, (void*)&w.K, (void*)&w.V,
                     &heads, &kvHeads, &headDim, &bs, &scale, &window, &softcap, &maxSplits, &st.attn, &st.done};
        launch(s, (const void*)attention_splits, dim3(HEADS, groups), 96, a, g_splitsSmem);
        return;
    }
    int noWindow = 0;
    float noCap = 0.0f;
    void* a[] = {&st.qkv, &st.part, &st.positions, &st.tokSeq, &st.seqStart, &st.tables, &st.cosT, &st.sinT,
                 (void*)&w.K, (void*)&w.V, &n, &heads, &kvHeads, &headDim, &bs, &scale, &noWindow, &noCap, &maxSplits,
                 &st.attn, &st.done};
    const int groups = kGroups[v] ? kGroups[v] : kCluster[v] ? GROUPS : std::min(GROUPS, maxSplits);
    launch(s, kBlocksFn[v], dim3(HEADS, groups), std::max(128, HD), a, blocks_smem(v));
}

// The tail variant's qkv projection of one layer.
static void qkv_tail_launch(cudaStream_t s, const Layer& w, Step& st) {
    int rows = Q, k = H, stride = H, ldx = H, heads = HEADS, kvHeads = KVH, headDim = HD, bs = BS;
    int maxSplits = st.maxSplits;
    float eps = 1e-6f, scale = (float)(1.0 / sqrt((double)HD));
    void* a[] = {(void*)&w.qkv, &st.x, (void*)&w.nIn, &eps, &st.qkv, (void*)&w.bias, &rows, &k, &stride, &ldx,
                 &st.positions, &st.tokSeq, &st.seqStart, &st.tables, &st.cosT, &st.sinT, (void*)&w.K, (void*)&w.V,
                 &heads, &kvHeads, &headDim, &bs, &scale, &maxSplits, &st.part, &st.attn, &st.done, &st.counts};
    launch(s, (const void*)qkv_tail, dim3(g_sms), 32 * STREAM_WARPS, a, STREAM_WARPS * SLOTS * SLOT_BYTES + 8 * H);
}

static void step(cudaStream_t s, Var v, const std::vector<Layer>& L, Step& st) {
    for (const Layer& w : L) {
        if (v == TAIL) qkv_tail_launch(s, w, st);
        else proj_base(s, g_pdl, 1, w.qkv, Q, H, st.x, w.nIn, st.qkv, w.bias, nullptr);
        if (v == STAND_IN) {
            int hh = H;
            void* a[] = {&st.qkv, &st.attn, &hh};
            launch(s, (const void*)stand_in, dim3(HEADS), 128, a, 0);
        } else if (v != TAIL) {
            attend(s, v, w, st);
        }
        proj_base(s, g_pdl && v != O_PLAIN, 0, w.o, H, H, st.attn, nullptr, st.x, nullptr, st.x);
        proj_base(s, g_pdl, 3, w.gu, 2 * I, H, st.x, w.nPost, st.h, nullptr, nullptr);
        proj_base(s, g_pdl, 0, w.d, H, I, st.h, nullptr, st.x, nullptr, st.x);
    }
}

// One step from x0 with the current rows poisoned: the residual stream, every layer's K and V rows at pos, the last
// layer's attention output.
static std::vector<float> outputs(cudaStream_t s, Var v, const std::vector<Layer>& L, Step& st) {
    const long long row = (long long)(st.table[st.pos / BS] * BS + st.pos % BS) * KVD;
    for (const Layer& w : L) {
        CK(cudaMemsetAsync(w.K + row, 0xff, 4 * KVD, s)); CK(cudaMemsetAsync(w.V + row, 0xff, 4 * KVD, s));
    }
    CK(cudaMemsetAsync(st.attn, 0xff, 4 * H, s));
    CK(cudaMemcpyAsync(st.x, st.x0, 4 * H, cudaMemcpyDeviceToDevice, s));
    step(s, v, L, st);
    CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
    std::vector<float> out(2 * H + 2 * KVD * L.size());
    float* o = out.data();
    CK(cudaMemcpy(o, st.x, 4 * H, cudaMemcpyDeviceToHost)); o += H;
    CK(cudaMemcpy(o, st.attn, 4 * H, cudaMemcpyDeviceToHost)); o += H;
    for (const Layer& w : L) {
        CK(cudaMemcpy(o, w.K + row, 4 * KVD, cudaMemcpyDeviceToHost)); o += KVD;
        CK(cudaMemcpy(o, w.V + row, 4 * KVD, cudaMemcpyDeviceToHost)); o += KVD;
    }
    return out;
}

// The stamped variants' timeline, last layer of the last replay, in us from the first block past its wait (t0):
// per block index g < splits the median over heads of each point, then the merge and the kernel's last output.
static std::string stamp_report(const unsigned long long* buf, size_t n, Var v, int ctx) {
    std::vector<unsigned long long> h(n);
    CK(cudaMemcpy(h.data(), buf, 8 * n, cudaMemcpyDeviceToHost));
    const int groups = kGroups[v] ? kGroups[v] : GROUPS, splits = (ctx - 1) / SPLIT + 1;
    auto at = [&](int head, int g, int p) { return h[((size_t)g * HEADS + head) * 8 + p]; };
    unsigned long long t0 = ~0ULL, firstStart = ~0ULL, lastStart = 0, end = 0;
    for (int head = 0; head < HEADS; head++) {
        unsigned long long start = ~0ULL;  // this layer's: stamps older than the head's first start are stale
        for (int g = 0; g < groups; g++) start = std::min(start, at(head, g, 0));
        for (int g = 0; g < groups; g++) {
            firstStart = std::min(firstStart, at(head, g, 0)); lastStart = std::max(lastStart, at(head, g, 0));
            if (at(head, g, 1) >= start) t0 = std::min(t0, at(head, g, 1));
            if (at(head, g, 6) >= start) end = std::max(end, at(head, g, 6));
        }
    }
    auto med = [](std::vector<double> x) { if (x.empty()) return -1.0; std::sort(x.begin(), x.end()); return x[x.size() / 2]; };
    char line[512];
    std::string out;
    snprintf(line, sizeof line, "\n%s ctx %d (us from the first block past its wait; medians over %d heads): blocks "
             "started %.2f .. %.2f, last output %.2f\n", kNames[v], ctx, HEADS, ((double)firstStart - t0) / 1e3,
             ((double)lastStart - t0) / 1e3, ((double)end - t0) / 1e3);
    out += line;
    out += "  block  start   wait  own+q  rows  reduced  merge  output\n";
    for (int g = 0; g < std::min(groups, splits); g++) {
        std::vector<double> col[7];
        for (int head = 0; head < HEADS; head++) {
            unsigned long long start = ~0ULL;
            for (int gg = 0; gg < groups; gg++) start = std::min(start, at(head, gg, 0));
            for (int p = 0; p < 7; p++)
                if (at(head, g, p) >= start) col[p].push_back(((double)at(head, g, p) - t0) / 1e3);
        }
        snprintf(line, sizeof line, "  g=%-3d %6.2f %6.2f %6.2f %6.2f %7.2f %6.2f %7.2f   (merged %zu of %d heads)\n", g,
                 med(col[0]), med(col[1]), med(col[2]), med(col[3]), med(col[4]), med(col[5]), med(col[6]),
                 col[5].size(), HEADS);
        out += line;
    }
    return out;
}

int main(int argc, char** argv) {
    int reps = 20, layers = 8, maxPositions = 32768;
    std::vector<int> ctxs = {48, 100, 1024};
    std::string only;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--shape") && i + 1 < argc) {
            g_shape = argv[++i];
            if (!strcmp(g_shape, "qwen2.5-0.5b")) { H = 896; HEADS = 14; KVH = 2; HD = 64; I = 4864; }
            else if (strcmp(g_shape, "qwen1.5-14b")) { printf("unknown shape %s\n", g_shape); return 1; }
        }
        else if (!strcmp(argv[i], "--variants") && i + 1 < argc) only = std::string(",") + argv[++i] + ",";
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ctx") && i + 1 < argc) ctxs = list(argv[++i]);
        else if (!strcmp(argv[i], "--max-positions") && i + 1 < argc) maxPositions = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--plain")) g_pdl = false;
        else { printf("usage: attention_chain [--shape qwen1.5-14b|qwen2.5-0.5b] [--layers N] [--ctx 48,100,1024] [--reps N] "
                      "[--plain] [--max-positions N] [--variants a,b,...]\n"); return 0; }
    }
    Q = H + 2 * KVH * HD;
    KVD = KVH * HD;
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    g_sms = p.multiProcessorCount; g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    const int kst = HD + 4;
    g_splitsSmem = 4 * HD + 3 * 4 * (SPLIT * HD + SPLIT * kst + 2 * SPLIT);  // engine-cuda AttentionKernels: 3 warps fit
    g_blocksSmem = 4 * (SPLIT * kst + SPLIT * HD + HD + SPLIT + 32 + SPLIT);
    for (const void* f : {(const void*)matvec_stream_bf16, (const void*)matvec_stream_bf16_norm,
                          (const void*)matvec_stream_bf16_norm_silu, (const void*)attention_splits,
                          (const void*)attention_blocks, (const void*)attention_blocks_rope, (const void*)blocks_rope_early,
                          (const void*)qkv_tail, (const void*)blocks_acq_rel, (const void*)attention_cluster_rope,
                          (const void*)blocks_cluster2, (const void*)blocks_stamped, (const void*)blocks_cluster_stamped}) {
        CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
        CK(cudaFuncSetAttribute(f, cudaFuncAttributePreferredSharedMemoryCarveout, 100));
    }
    for (const void* f : {(const void*)stand_in, (const void*)rope_kv})
        CK(cudaFuncSetAttribute(f, cudaFuncAttributePreferredSharedMemoryCarveout, 100));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    const double copyGBs = copy_bandwidth(s, g_sms);
    const int maxCtx = *std::max_element(ctxs.begin(), ctxs.end());
    const int P = (maxCtx + BS - 1) / BS * BS;
    const long long layerBytes = 2LL * ((long long)Q * H + (long long)H * H + 2LL * I * H + (long long)H * I);
    printf("attention_chain: %s, %d SMs, copy bandwidth %.1f GB/s, %s launches; %s, %d layers of %.1f MB "
           "(roofline %.2f us per layer), fp32 KV, max positions %d\n", p.name, g_sms, copyGBs,
           g_pdl ? "dependent (programmatic)" : "plain", g_shape, layers, layerBytes / 1e6, layerBytes / (copyGBs * 1e3), maxPositions);

    std::vector<Layer> L(layers);
    for (int l = 0; l < layers; l++) {
        Layer& w = L[l];
        unsigned short* nat[4] = {weights(Q, H, 11 + l, &w.qkv), weights(H, H, 23 + l, &w.o),
                                  weights(2 * I, H, 37 + l, &w.gu), weights(H, I, 41 + l, &w.d)};
        CK(cudaDeviceSynchronize());
        for (unsigned short* q : nat) CK(cudaFree(q));
        w.nIn = floats(H, 5 + l, 0.5f, 1.5f); w.nPost = floats(H, 7 + l, 0.5f, 1.5f); w.bias = floats(Q, 9 + l, -0.1f, 0.1f);
        w.K = floats((long long)P * KVD, 100 + l, -1.0f, 1.0f); w.V = floats((long long)P * KVD, 200 + l, -1.0f, 1.0f);
    }
    Step st;
    st.maxSplits = (maxPositions + SPLIT - 1) / SPLIT;
    for (int b = 0; b < P / BS; b++) st.table.push_back(b);
    for (int b = P / BS - 1; b > 0; b--) std::swap(st.table[b], st.table[(b * 2654435761u) % (b + 1)]);
    std::vector<float> c((long long)P * HD / 2), sn(c.size());
    for (int q = 0; q < P; q++)
        for (int i = 0; i < HD / 2; i++) {
            const double a = q / pow(1e6, 2.0 * i / HD);
            c[(long long)q * HD / 2 + i] = (float)cos(a); sn[(long long)q * HD / 2 + i] = (float)sin(a);
        }
    CK(cudaMalloc(&st.cosT, 4 * c.size())); CK(cudaMalloc(&st.sinT, 4 * c.size()));
    CK(cudaMemcpy(st.cosT, c.data(), 4 * c.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(st.sinT, sn.data(), 4 * c.size(), cudaMemcpyHostToDevice));
    CK(cudaMalloc(&st.tables, 4 * st.table.size()));
    CK(cudaMemcpy(st.tables, st.table.data(), 4 * st.table.size(), cudaMemcpyHostToDevice));
    CK(cudaMalloc(&st.positions, 4)); CK(cudaMalloc(&st.tokSeq, 4)); CK(cudaMalloc(&st.seqStart, 4));
    CK(cudaMemset(st.tokSeq, 0, 4)); CK(cudaMemset(st.seqStart, 0, 4));
    CK(cudaMalloc(&st.part, 4LL * HEADS * st.maxSplits * (HD + 2))); CK(cudaMalloc(&st.done, 4 * HEADS));
    CK(cudaMemset(st.done, 0, 4 * HEADS));
    CK(cudaMalloc(&st.counts, 4 * HEADS)); CK(cudaMemset(st.counts, 0, 4 * HEADS));
    CK(cudaMalloc(&st.x, 4 * H)); CK(cudaMalloc(&st.qkv, 4 * Q)); CK(cudaMalloc(&st.attn, 4 * H)); CK(cudaMalloc(&st.h, 4 * I));
    st.x0 = floats(H, 3, -2.0f, 2.0f);
    float* ref; CK(cudaMalloc(&ref, 4 * H));
    CK(cudaDeviceSynchronize()); CK(cudaGetLastError());

    unsigned long long* stampBuf;
    const size_t stampN = (size_t)HEADS * GROUPS * 8;
    CK(cudaMalloc(&stampBuf, 8 * stampN));
    CK(cudaMemcpyToSymbol(g_stamps, &stampBuf, sizeof(stampBuf)));
    // Which variants run: STAND_IN and SPLITS always (the baseline and the bits' reference), the others as asked
    // and as the device launches them (a cluster launch probed once, outside any graph).
    bool run[NVAR];
    for (int v = 0; v < NVAR; v++) {
        run[v] = v == STAND_IN || v == SPLITS || only.empty() || only.find("," + std::string(kNames[v]) + ",") != std::string::npos;
        if (!run[v] || v == STAND_IN || v == TAIL) continue;
        st.pos = 0;  // one split, on layer 0's cache, whose row at position 0 is put back after
        CK(cudaMemcpy(st.positions, &st.pos, 4, cudaMemcpyHostToDevice));
        const long long row0 = (long long)st.table[0] * BS * KVD;
        std::vector<float> keep(2 * KVD);
        CK(cudaMemcpy(keep.data(), L[0].K + row0, 4 * KVD, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(keep.data() + KVD, L[0].V + row0, 4 * KVD, cudaMemcpyDeviceToHost));
        CK(cudaMemset(st.qkv, 0, 4 * Q));
        printf("probing %s\n", kNames[v]);
        fflush(stdout);  // a fault below is then named
        g_probe = true; g_probeErr = cudaSuccess;
        attend(s, (Var)v, L[0], st);
        g_probe = false;
        cudaError_t e = g_probeErr != cudaSuccess ? g_probeErr : cudaStreamSynchronize(s);
        if (e == cudaSuccess) e = cudaGetLastError();
        CK(cudaMemcpy(L[0].K + row0, keep.data(), 4 * KVD, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(L[0].V + row0, keep.data() + KVD, 4 * KVD, cudaMemcpyHostToDevice));
        if (e != cudaSuccess) {
            printf("variant %s skipped: %s\n", kNames[v], cudaGetErrorString(e));
            run[v] = false;
            cudaGetLastError();
        }
    }
    struct Row { int ctx; Var v; float us; std::string bits; };
    std::vector<Row> rows;
    for (int ctx : ctxs) {
        st.pos = ctx - 1;
        CK(cudaMemcpy(st.positions, &st.pos, 4, cudaMemcpyHostToDevice));
        std::vector<float> want;
        for (int v = 0; v < NVAR; v++) {
            if (!run[v]) continue;
            std::string bits = "n/a";
            if (v != STAND_IN) {
                const std::vector<float> got = outputs(s, (Var)v, L, st);
                if (v == SPLITS) {
                    want = got;  // and its attention against the reference, on the last layer's rotated q and cache
                    reference_attention<<<HEADS, HD, 0, s>>>(st.qkv, L.back().K, L.back().V, st.tables, st.pos, HEADS,
                                                             KVH, HD, BS, (float)(1.0 / sqrt((double)HD)), ref);
                    CK(cudaStreamSynchronize(s));  // s does not block with the default stream's copy below
                    std::vector<float> r(H);
                    CK(cudaMemcpy(r.data(), ref, 4 * H, cudaMemcpyDeviceToHost));
                    bits = memcmp(r.data(), want.data() + H, 4 * H) ? "DIFFER from reference" : "reference";
                } else {
                    bits = memcmp(want.data(), got.data(), 4 * want.size()) ? "DIFFER" : "equal";
                }
            }
            if (stamped(v)) CK(cudaMemset(stampBuf, 0, 8 * stampN));
            auto g = capture(s, [&] { step(s, (Var)v, L, st); });
            const float us = time_graph(s, g, reps) * 1e3f / layers;
            CK(cudaGraphExecDestroy(g));
            rows.push_back({ctx, (Var)v, us, bits});
            printf("  measured %-14s ctx %5d: %8.2f us/layer  %s\n", kNames[v], ctx, us, bits.c_str());
            fflush(stdout);  // what was measured survives a later fault or hang
            if (stamped(v)) printf("%s", stamp_report(stampBuf, stampN, (Var)v, ctx).c_str());
        }
    }
    printf("\nus per layer (%d layers in one graph, median of %d), %% of copy, extra over the stand-in; bits: splits "
           "against the reference attention, the others against splits (x, attention output, every layer's K/V row)\n",
           layers, reps);
    printf("%-14s %6s %9s %7s %8s  %-22s %s\n", "variant", "ctx", "us/layer", "%copy", "+us", "bits", "what");
    float standIn = 0.0f;
    for (const Row& r : rows) {
        if (r.v == STAND_IN) standIn = r.us;
        printf("%-14s %6d %9.2f %7.1f %8.2f  %-22s %s\n", kNames[r.v], r.ctx, r.us,
               100.0 * layerBytes / (r.us * 1e3) / copyGBs, r.us - standIn, r.bits.c_str(), kWhat[r.v]);
    }
    return 0;
}

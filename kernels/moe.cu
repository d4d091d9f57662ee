// A mixture of experts' steps between its projections (docs/numerics.md §9.1; CPU twin backend/cpu/Experts):
// moe_route:      a warp per token, over its E router logits: m = max; e_i = exp_canon(l_i - m); s = the
//                 canonical sum of e (W = dot_width(E) partials, e_i into partial i & (W - 1) in increasing i, then
//                 the halving tree, as Java's Dot.sum); p_i = e_i / s (Softmax.apply); k picks of the highest p, ties
//                 to the lower index; each chosen weight p_j, or with norm p_j / t where t adds the chosen p_j from 0
//                 in the order chosen (Experts.route). Writes weight[t][e] and chosen[t][e] (1 or 0) and, where list
//                 is given, the chosen experts by ascending index (list[t][j], j < k: the order they are summed in).
// moe_accumulate: expert e's outputs y into the sum, one thread per value: acc = acc + y * w where token t chose e
//                 (the CPU adds by ascending expert index, as the experts are launched); with first set acc starts at
//                 0 (0 + y * w, or 0 where t did not choose e).
// moe_combine:    the chosen experts' outputs (matvec_experts or matvec_grouped: y[t * k + j], the j-th of list[t])
//                 summed as the CPU sums them: acc = 0, then acc = acc + y_j * w_j for j = 0 .. k - 1 (ascending expert
//                 index), one thread per value; the same operations as moe_accumulate's launches over every expert.
// moe_group:      the step's (token, choice) pairs grouped by expert for matvec_grouped: the block counts each
//                 expert's pairs (integer shared-memory atomics: the counts, not their order), then one warp walks
//                 the pairs 32 at a time in ascending order, each pair's place in its expert's groups of 4 the number
//                 of that expert's pairs before it; groups past the last hold -1 (moe_group_scan: the same groups, a
//                 thread per expert scanning the list). Moves indices only: which pairs share a group never changes
//                 a value.
// moe_shared_add: Qwen2-MoE's shared expert: acc = acc + sigmoid(g_t) * ys, sigmoid(x) = 1 / (1 + exp_canon(-x))
//                 (FloatMath.sigmoid), one thread per value.
// No value depends on another token: the batch changes which thread computes a value, never its operations.
#include "chain.cuh"
#include "numerics.cuh"

namespace {
__device__ __forceinline__ long long value_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
}  // namespace

// logits, weight: [n, E] floats; chosen: [n, E] ints; list: [n, k] ints or null; E <= 1024. A warp per token (blocks
// of 32 threads, one per token): its lanes take the max, the exps and the canonical partials (lane q partial q, its
// indices q, q + W, ... in increasing order), the halving tree over shuffles, each pick's argmax; lane 0 alone picks
// where any probability is NaN, as the CPU's scan does.
INV_EXTERN void moe_route(const float* logits, float* weight, int* chosen, int* list, int n, int E, int k,
                          int norm) {
    __shared__ float ps[1024];
    __shared__ int cs[1024];
    inv::await_inputs();
    inv::release_next();
    const int t = blockIdx.x;
    const int lane = threadIdx.x;
    const float* l = logits + (long long)t * E;
    float m = -INFINITY;
    for (int i = lane; i < E; i += 32) m = inv::jmax(m, l[i]);
#pragma unroll
    for (int s = 16; s >= 1; s >>= 1) m = inv::jmax(m, __shfl_xor_sync(0xffffffffu, m, s));
    for (int i = lane; i < E; i += 32) {
        ps[i] = inv::exp_canon(l[i] - m);
        cs[i] = 0;
    }
    __syncwarp();
    const int width = inv::dot_width(E);
    float part = 0.0f;
    if (lane < width) {
        for (int i = lane; i < E; i += width) part = part + ps[i];
    }
#pragma unroll
    for (int s = 16; s >= 1; s >>= 1) {
        const float o = __shfl_down_sync(0xffffffffu, part, s);
        if (s < width) part = part + o;
    }
    const float sum = __shfl_sync(0xffffffffu, part, 0);
    bool nan = false;
    for (int i = lane; i < E; i += 32) {
        ps[i] = ps[i] / sum;
        nan |= ps[i] != ps[i];
    }
    __syncwarp();
    nan = __any_sync(0xffffffffu, nan);
    // k picks: the highest untaken probability, ties to the lower index; with a NaN among them the scan's answer
    // depends on its order, so lane 0 scans in increasing index as Experts.route does
    float total = 0.0f;
    for (int j = 0; j < k; j++) {
        int best = -1;
        if (!nan) {
            for (int i = lane; i < E; i += 32) {
                if (!cs[i] && (best < 0 || ps[i] > ps[best])) best = i;
            }
#pragma unroll
            for (int s = 16; s >= 1; s >>= 1) {
                const int o = __shfl_xor_sync(0xffffffffu, best, s);
                if (o >= 0 && (best < 0 || ps[o] > ps[best] || (ps[o] == ps[best] && o < best))) best = o;
            }
        } else if (lane == 0) {
            for (int i = 0; i < E; i++) {
                if (!cs[i] && (best < 0 || ps[i] > ps[best])) best = i;
            }
        }
        best = __shfl_sync(0xffffffffu, best, 0);
        if (lane == 0) cs[best] = 1;
        __syncwarp();
        total = total + ps[best];
    }
    float* w = weight + (long long)t * E;
    int* c = chosen + (long long)t * E;
    int taken = 0;
    for (int base = 0; base < E; base += 32) {
        const int i = base + lane;
        const bool on = i < E && cs[i];
        if (i < E) {
            w[i] = !on ? 0.0f : norm ? ps[i] / total : ps[i];
            c[i] = on ? 1 : 0;
        }
        // the chosen in ascending index: each lane's place is the count of chosen lanes below it
        const unsigned mask = __ballot_sync(0xffffffffu, on);
        if (on && list) list[(long long)t * k + taken + __popc(mask & ((1u << lane) - 1u))] = i;
        taken += __popc(mask);
    }
}

// acc, y: [n, hidden]; weight, chosen: [n, E]; count = n * hidden.
INV_EXTERN void moe_accumulate(float* acc, const float* y, const float* weight, const int* chosen, long long count,
                               int hidden, int E, int e, int first) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i >= count) return;
    const long long r = (i / hidden) * E + e;
    const float a = first ? 0.0f : acc[i];
    acc[i] = chosen[r] ? a + y[i] * weight[r] : a;
}

// acc: [n, hidden]; y: [n * k, hidden]; weight: [n, E]; list: [n, k]; count = n * hidden.
INV_EXTERN void moe_combine(float* acc, const float* y, const float* weight, const int* list, long long count,
                            int hidden, int E, int k) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i >= count) return;
    const long long t = i / hidden;
    const long long c = i - t * hidden;
    float a = 0.0f;
    for (int j = 0; j < k; j++) {
        const long long p = t * k + j;
        a = a + y[p * hidden + c] * weight[t * E + list[p]];
    }
    acc[i] = a;
}

namespace {
// The groups of 4 from each expert's count (thread e < E holds expert e's): first[e] its first group (first[E] the
// groups' total), groups[g] = (expert, pairs in it); groups past the last hold -1. Every thread of the block calls it.
__device__ __forceinline__ void group_table(int count, int E, int* first, int* groups, int maxGroups) {
    const int e = threadIdx.x;
    if (e < E) first[e + 1] = (count + 3) >> 2;
    __syncthreads();
    if (e == 0) {
        first[0] = 0;
        for (int i = 1; i <= E; i++) first[i] = first[i] + first[i - 1];
    }
    __syncthreads();
    if (e < E) {
        for (int q = 0; q < (count + 3) >> 2; q++) {
            groups[2 * (first[e] + q)] = e;
            groups[2 * (first[e] + q) + 1] = min(4, count - 4 * q);
        }
    }
    for (int b = first[E] + e; b < maxGroups; b += blockDim.x) groups[2 * b] = -1;
}
}  // namespace

// list: [pairs] the route's list (pair p = t * k + j chose expert list[p]); groups: [maxGroups, 2] (expert or -1,
// pairs in the group); tok, pair: [maxGroups, 4] each group's tokens (p / k) and pairs. One block of >= E threads
// (a multiple of 32), E <= 1024; maxGroups >= ceil(pairs / 4) + E. The walk is warp 0's alone: one pass over the
// list, 32 pairs a step, where moe_group_scan's thread per expert passes over all of it twice.
INV_EXTERN void moe_group(const int* list, int pairs, int k, int E, int* groups, int* tok, int* pair, int maxGroups) {
    __shared__ int first[1025];
    __shared__ int seen[1024];  // each expert's pairs: counted, then placed so far by the walk
    inv::await_inputs();
    inv::release_next();
    const int e = threadIdx.x;
    if (e < E) seen[e] = 0;
    __syncthreads();
    for (int p = e; p < pairs; p += blockDim.x) atomicAdd(&seen[list[p]], 1);
    __syncthreads();
    const int count = e < E ? seen[e] : 0;
    group_table(count, E, first, groups, maxGroups);
    if (e < E) seen[e] = 0;
    __syncthreads();
    if (e >= 32) return;
    // warp 0: pairs base .. base + 31 together; a pair's rank among its expert's pairs = those placed before this
    // step (seen) + the lower lanes holding the same expert; the lowest such lane then advances seen
    const unsigned below = (1u << e) - 1u;
    int next = e < pairs ? list[e] : -1;
    for (int base = 0; base < pairs; base += 32) {
        const int p = base + e;
        const int x = next;
        next = p + 32 < pairs ? list[p + 32] : -1;  // the next step's pair requested before this one's work
        const unsigned peers = __match_any_sync(0xffffffffu, x);
        const int before = __popc(peers & below);
        if (x >= 0) {
            const int placed = seen[x] + before;
            const int at = (first[x] + (placed >> 2)) * 4 + (placed & 3);
            tok[at] = p / k;
            pair[at] = p;
        }
        __syncwarp();
        if (x >= 0 && before == 0) seen[x] += __popc(peers);
        __syncwarp();
    }
}

// moe_group's groups made by a thread per expert scanning the whole list, to count its pairs and again to place them
// (-Dinvariant.cuda.moe-group=scan; 3.5x moe_group's time for 128 pairs on an H100: MoeKernels.GROUP).
INV_EXTERN void moe_group_scan(const int* list, int pairs, int k, int E, int* groups, int* tok, int* pair,
                               int maxGroups) {
    __shared__ int first[1025];
    inv::await_inputs();
    inv::release_next();
    const int e = threadIdx.x;
    int count = 0;
    if (e < E) {
        for (int p = 0; p < pairs; p++) count += list[p] == e;
    }
    group_table(count, E, first, groups, maxGroups);
    if (e < E && count > 0) {
        int filled = 0;
        for (int p = 0; p < pairs && filled < count; p++) {
            if (list[p] != e) continue;
            const int at = (first[e] + (filled >> 2)) * 4 + (filled & 3);
            tok[at] = p / k;
            pair[at] = p;
            filled++;
        }
    }
}

// acc, ys: [n, hidden]; g: [n]; count = n * hidden.
INV_EXTERN void moe_shared_add(float* acc, const float* ys, const float* g, long long count, int hidden) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i >= count) return;
    const float s = 1.0f / (1.0f + inv::exp_canon(-g[i / hidden]));
    acc[i] = acc[i] + s * ys[i];
}

// A mixture of experts' steps between its projections (docs/numerics.md §9.1; CPU twin backend/cpu/Experts):
// moe_route:      one thread per token, over its E router logits: m = max; e_i = exp_canon(l_i - m); s = the
//                 canonical sum of e (W = dot_width(E) partials, e_i into partial i & (W - 1) in increasing i, then
//                 the halving tree, as Java's Dot.sum); p_i = e_i / s (Softmax.apply); k picks of the highest p, ties
//                 to the lower index; each chosen weight p_j, or with norm p_j / t where t adds the chosen p_j from 0
//                 in the order chosen (Experts.route). Writes weight[t][e] and chosen[t][e] (1 or 0) and, where list
//                 is given, the chosen experts by ascending index (list[t][j], j < k: the order they are summed in).
// moe_accumulate: expert e's outputs y into the sum, one thread per value: acc = acc + y * w where token t chose e
//                 (the CPU adds by ascending expert index, as the experts are launched); with first set acc starts at
//                 0 (0 + y * w, or 0 where t did not choose e).
// moe_combine:    the chosen experts' outputs of matvec_experts (y[t * k + j], row j the j-th of list[t]) summed as the
//                 CPU sums them: acc = 0, then acc = acc + y_j * w_j for j = 0 .. k - 1 (ascending expert index),
//                 one thread per value; the same operations as moe_accumulate's launches over every expert.
// moe_shared_add: Qwen2-MoE's shared expert: acc = acc + sigmoid(g_t) * ys, sigmoid(x) = 1 / (1 + exp_canon(-x))
//                 (FloatMath.sigmoid), one thread per value.
// No value depends on another token: the batch changes which thread computes a value, never its operations.
#include "chain.cuh"
#include "numerics.cuh"

namespace {
__device__ __forceinline__ long long value_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
}  // namespace

// logits, weight: [n, E] floats; chosen: [n, E] ints; E <= 1024.
INV_EXTERN void moe_route(const float* logits, float* weight, int* chosen, int* list, int n, int E, int k,
                          int norm) {
    inv::await_inputs();
    inv::release_next();
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= n) return;
    const float* l = logits + (long long)t * E;
    float* w = weight + (long long)t * E;
    int* c = chosen + (long long)t * E;
    float m = -INFINITY;
    for (int i = 0; i < E; i++) m = inv::jmax(m, l[i]);
    float p[32];
#pragma unroll
    for (int i = 0; i < 32; i++) p[i] = 0.0f;
    const int width = inv::dot_width(E);
    for (int i = 0; i < E; i++) {
        const float e = inv::exp_canon(l[i] - m);
        w[i] = e;
        c[i] = 0;
        // partial i & (width - 1), written with constant indices so the partials stay in registers
#pragma unroll
        for (int q = 0; q < 32; q++) {
            if (q == (i & (width - 1))) p[q] = p[q] + e;
        }
    }
    const float s = inv::tree32(p, width);
    for (int i = 0; i < E; i++) w[i] = w[i] / s;
    float sum = 0.0f;
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < E; i++) {
            if (!c[i] && (best < 0 || w[i] > w[best])) best = i;
        }
        c[best] = 1;
        sum = sum + w[best];
    }
    int j = 0;
    for (int i = 0; i < E; i++) {
        if (!c[i]) {
            w[i] = 0.0f;
            continue;
        }
        if (norm) w[i] = w[i] / sum;
        if (list) list[(long long)t * k + j++] = i;
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

// acc, ys: [n, hidden]; g: [n]; count = n * hidden.
INV_EXTERN void moe_shared_add(float* acc, const float* ys, const float* g, long long count, int hidden) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i >= count) return;
    const float s = 1.0f / (1.0f + inv::exp_canon(-g[i / hidden]));
    acc[i] = acc[i] + s * ys[i];
}

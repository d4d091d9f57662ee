// Greedy choice of each logits row (docs/sampling.md, step 2): the lowest id of the row's maximum (IEEE equality, so
// -0 == +0) and the lowest id whose value is NaN or +inf, with that value's bits. Canonical definition: the engine's
// sample/LogitScan.argmax (its scalar form scalarArgmax) and LogitScan.firstNotFiniteAbove; CPU twin:
// sample/GreedyChoice.of. No arithmetic, only exact comparisons: (value desc, id asc) is a total order on a row's
// non-NaN entries, so its first element is unique and every reduction order (per thread, shuffles, across warps)
// finds the definition's answer; min over ids is order-free as well. A NaN never wins; a row whose id 0 is NaN (or
// that is all NaN) answers 0, as scalarArgmax does. The engine raises an error for any row with a NaN or +inf, so
// that answer is only kept defined.
// One block per row (m rows of `vocab` floats, rows contiguous); out[3r] = token, out[3r + 1] = the first NaN/+inf id
// or -1, out[3r + 2] = its float bits (0 when none).
#include "chain.cuh"
#include "numerics.cuh"

namespace {

constexpr int THREADS = 1024;
constexpr int NONE = 0x7fffffff;

// (v, i) comes before (bv, bi): a larger value, or an equal one at a lower id. NaN compares false: it never does.
__device__ __forceinline__ bool before(float v, int i, float bv, int bi) { return v > bv || (v == bv && i < bi); }

struct Scan {
    float value = -INFINITY;
    int id = NONE;   // NONE until a non-NaN value is seen (-inf is taken: equal to the start, at a lower id)
    int bad = NONE;  // the lowest NaN or +inf id seen

    __device__ __forceinline__ void see(float v, int i) {
        if (before(v, i, value, id)) { value = v; id = i; }
        if ((v != v || v == INFINITY) && i < bad) bad = i;
    }

    __device__ __forceinline__ void see4(float4 v, int i) {
        see(v.x, i);
        see(v.y, i + 1);
        see(v.z, i + 2);
        see(v.w, i + 3);
    }

    __device__ __forceinline__ void merge(float v, int i, int b) {
        if (before(v, i, value, id)) { value = v; id = i; }
        bad = min(bad, b);
    }

    __device__ __forceinline__ void merge_warp() {
#pragma unroll
        for (int s = 16; s >= 1; s >>= 1) {
            merge(__shfl_down_sync(0xffffffffu, value, s), __shfl_down_sync(0xffffffffu, id, s),
                  __shfl_down_sync(0xffffffffu, bad, s));
        }
    }
};

}  // namespace

INV_EXTERN void __launch_bounds__(THREADS) greedy_scan(const float* logits, int vocab, int* out) {
    inv::await_inputs();
    inv::release_next();
    const int r = blockIdx.x;
    const float* row = logits + (long long)r * vocab;
    Scan s;
    if ((vocab & 3) == 0) {
        // 16-byte loads: rows start 16-byte aligned (the buffer is, and vocab is a multiple of 4). Which thread sees an
        // id, and in which order, never matters.
        const float4* row4 = reinterpret_cast<const float4*>(row);
        const int n4 = vocab >> 2;
        int j = threadIdx.x;
        // four loads in flight before any comparison: one block reads a whole row, so it needs them to stream
        for (; j + 3 * THREADS < n4; j += 4 * THREADS) {
            float4 v[4];
#pragma unroll
            for (int u = 0; u < 4; u++) v[u] = row4[j + u * THREADS];
#pragma unroll
            for (int u = 0; u < 4; u++) s.see4(v[u], 4 * (j + u * THREADS));
        }
        for (; j < n4; j += THREADS) s.see4(row4[j], 4 * j);
    } else {
        for (int i = threadIdx.x; i < vocab; i += THREADS) s.see(row[i], i);
    }
    s.merge_warp();
    __shared__ float values[THREADS / 32];
    __shared__ int ids[THREADS / 32];
    __shared__ int bads[THREADS / 32];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) {
        values[warp] = s.value;
        ids[warp] = s.id;
        bads[warp] = s.bad;
    }
    __syncthreads();
    if (warp != 0) return;
    Scan t;
    t.merge(values[lane], ids[lane], bads[lane]);  // THREADS / 32 == 32 warps: one per lane
    t.merge_warp();
    if (lane != 0) return;
    const bool nan_first = row[0] != row[0];
    out[3 * r] = (nan_first || t.id == NONE) ? 0 : t.id;
    out[3 * r + 1] = t.bad == NONE ? -1 : t.bad;
    out[3 * r + 2] = t.bad == NONE ? 0 : __float_as_int(row[t.bad]);
}

// A step fed by the device (engine-cuda Lookahead): each row's greedy token, out[3r], becomes token r of the next
// step's inputs. A copy, no arithmetic.
INV_EXTERN void greedy_tokens(const int* greedy, int* tokens, int n) {
    inv::await_inputs();
    inv::release_next();
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < n; r += gridDim.x * blockDim.x) tokens[r] = greedy[3 * r];
}

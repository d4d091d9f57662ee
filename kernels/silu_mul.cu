// The MLP's activation: h[t][i] = silu(gate[t][i]) * up[t][i], product rounded (numerics.md §5, §9). No reduction.
// Input rows hold [gate (ffn) | up (ffn)], the output of the fused gate/up projection.
// CPU twin: DecoderForward "act_fn(gate) * up" (FloatMath.silu).
#include "numerics.cuh"

INV_EXTERN void silu_mul(const float* gu, float* h, int ffn, int n) {
    const long long total = (long long)n * ffn;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const long long t = i / ffn;
        const int c = (int)(i - t * ffn);
        const float* row = gu + t * 2 * ffn;
        h[i] = inv::silu_canon(row[c]) * row[ffn + c];
    }
}

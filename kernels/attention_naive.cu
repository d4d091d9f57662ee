// The naive profile's attention merge for decode steps: deliberately batch-dependent, as flash-decoding is
// (docs/naive.md, numerics.md §12). It exists to reproduce the failure Invariant removes; portable never runs it.
// Input: attention_decode.cu's attention_splits records, per (token, head) and 64-position block s: m_s, l_s, o_s.
// Flash-decoding cuts a sequence's keys into kvSplits KV splits of g = ceil(blocks / kvSplits) consecutive blocks
// (blocks = position / 64 + 1), each reduced with its own maximum, then combines the splits: per split in increasing
// s, M_g = max m_s, c = exp(m_s - M_g), L_g = L_g + l_s * c, O_g[d] = fmaf(o_s[d], c, O_g[d]); then over the splits,
// M = max m_s, c_g = exp(M_g - M), L = L + L_g * c_g, O[d] = fmaf(O_g[d], c_g, O[d]); out[d] = O[d] / L. The host
// picks kvSplits from the step's (token, head) pairs against the multiprocessors (engine-cuda NaiveKernels.kvSplits),
// so where the splits fall, and the roundings of the combine, follow the batch and the context length. kvSplits = 1
// gives attention_merge's values (one split: M_g = M, c_g = 1). No atomics: the same step gives the same bits. A
// sliding layer (window > 0) has no records before the split of its first key: blocks count from there.
#include "numerics.cuh"
#include "window.cuh"

#define SPLIT 64  // attention_decode.cu's block of positions

// One block per (token, head), a thread per output value.
INV_EXTERN void attention_merge_naive(const float* part, float* out, const int* positions, int heads, int headDim,
                                      int maxSplits, int kvSplits, int window) {
    const int t = blockIdx.x / heads;
    const int h = blockIdx.x - t * heads;
    const int first = first_key(positions[t], window) / SPLIT;
    const int blocks = positions[t] / SPLIT + 1 - first;
    const int g = (blocks + kvSplits - 1) / kvSplits;  // blocks per KV split
    const int rs = headDim + 2;
    const float* rec = part + ((long long)blockIdx.x * maxSplits + first) * rs;
    const float ninf = __int_as_float(0xff800000);
    float bigM = ninf;
    for (int s = 0; s < blocks; s++) bigM = inv::jmax(bigM, rec[(long long)s * rs]);
    float* dst = out + (long long)t * heads * headDim + h * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float bigL = 0.0f;
        float acc = 0.0f;
        for (int s0 = 0; s0 < blocks; s0 += g) {
            const int s1 = min(blocks, s0 + g);
            float mg = ninf;
            for (int s = s0; s < s1; s++) mg = inv::jmax(mg, rec[(long long)s * rs]);
            float lg = 0.0f;
            float og = 0.0f;
            for (int s = s0; s < s1; s++) {
                const float* r = rec + (long long)s * rs;
                const float c = inv::exp_canon(r[0] - mg);
                lg = lg + r[1] * c;
                og = fmaf(r[2 + d], c, og);
            }
            const float cg = inv::exp_canon(mg - bigM);
            bigL = bigL + lg * cg;
            acc = fmaf(og, cg, acc);
        }
        dst[d] = acc / bigL;
    }
}

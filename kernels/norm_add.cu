// The norm of a sublayer's output, then the residual add (Gemma's post_attention_layernorm and
// post_feedforward_layernorm): per token, ss = canonical dot(o, o) (one warp, numerics.md §2), inv = 1 / sqrt(ss / n +
// eps), x[i] = x[i] + w[i] * (o[i] * inv) (§4's RMSNorm, then one rounded add). One warp per token; the only reduction
// is within the token's own row.
// CPU twin: backend/cpu/DecoderForward "if (outputNorms) norm(o, o, ...)" then addResidual (RmsNorm.apply).
#include "chain.cuh"
#include "numerics.cuh"

INV_EXTERN void norm_add(const float* o, const float* w, float* x, float eps, int dim) {
    inv::await_inputs();
    inv::release_next();
    const long long row = (long long)blockIdx.x * dim;
    const float* ot = o + row;
    float* xt = x + row;
    const float ss = inv::warp_dot(ot, ot, dim);
    const float invr = inv::inv_sqrt_canon(ss / (float)dim + eps);
    for (int i = threadIdx.x; i < dim; i += 32) xt[i] = xt[i] + w[i] * (ot[i] * invr);
}

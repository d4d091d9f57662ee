// The element-wise steps of the architectures beyond Llama and Qwen (Gemma, Granite, OLMo 2; docs/numerics.md §4, §5):
// one thread per value, no reduction, each value's operations those of its CPU twin in backend/cpu/DecoderForward, in
// the same order.
// scale_values:   v = v * s                      (Gemma's and Granite's embeddings; "x[i] * embedScale")
// divide_values:  v = v / d                      (Granite's logits; "logits[i] / div")
// softcap_values: v = tanh(v / cap) * cap        (Gemma 2's final logits; FloatMath.tanh)
// add_scaled:     x = x + y * m                  (Granite's residual adds; DecoderForward.addResidual)
// gelu_tanh_mul:  h = gelu_tanh(gate) * up       (Gemma's MLP; FloatMath.geluTanh), gate and up interleaved as the
//                 gate/up projection writes them: row t holds gate_i at 2i and up_i at 2i + 1
// gelu_erf_mul:   h = gelu_erf(gate) * up        (Gemma 1's MLP with hidden_act gelu; FloatMath.geluErf), the same rows
// silu_mul:       h = silu(gate) * up            (OLMo 2's MLP, whose input no norm precedes; FloatMath.silu): what
//                 the projections' fused epilogue computes after a norm, from the same interleaved rows
// gelu_erf_values, gelu_tanh_values: v = gelu(v) (GPT-NeoX's and Phi's ungated MLP, after up_proj and its bias;
//                 backend/cpu/UngatedMlp)
// add_pair:       x = (m + a) + x                (GPT-NeoX's and Phi's parallel residual: the MLP's and the attention's
//                 outputs, then the layer's input; DecoderForward)
#include "chain.cuh"
#include "numerics.cuh"

namespace {
__device__ __forceinline__ long long value_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
}  // namespace

INV_EXTERN void scale_values(float* v, long long count, float s) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) v[i] = v[i] * s;
}

INV_EXTERN void divide_values(float* v, long long count, float d) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) v[i] = v[i] / d;
}

INV_EXTERN void softcap_values(float* v, long long count, float cap) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) v[i] = inv::tanh_canon(v[i] / cap) * cap;
}

INV_EXTERN void add_scaled(float* x, const float* y, long long count, float m) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) x[i] = x[i] + y[i] * m;
}

// h is [n, ffn], gateUp [n, 2 * ffn]; count = n * ffn.
INV_EXTERN void gelu_tanh_mul(const float* gateUp, float* h, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) h[i] = inv::gelu_tanh_canon(gateUp[2 * i]) * gateUp[2 * i + 1];
}

INV_EXTERN void gelu_erf_mul(const float* gateUp, float* h, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) h[i] = inv::gelu_erf_canon(gateUp[2 * i]) * gateUp[2 * i + 1];
}

INV_EXTERN void silu_mul(const float* gateUp, float* h, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) h[i] = inv::silu_canon(gateUp[2 * i]) * gateUp[2 * i + 1];
}

INV_EXTERN void gelu_erf_values(float* v, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) v[i] = inv::gelu_erf_canon(v[i]);
}

INV_EXTERN void gelu_tanh_values(float* v, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) v[i] = inv::gelu_tanh_canon(v[i]);
}

INV_EXTERN void add_pair(float* x, const float* a, const float* m, long long count) {
    inv::await_inputs();
    inv::release_next();
    const long long i = value_index();
    if (i < count) x[i] = (m[i] + a[i]) + x[i];
}

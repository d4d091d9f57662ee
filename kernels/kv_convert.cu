// The KV cache conversions of kv.cuh over ranges of bit patterns, for the exhaustive GPU test (engine-cuda's
// KvConvertTest): every binary32 pattern narrowed to bf16 / fp8 e4m3 / fp8 e5m2, and every stored pattern widened
// back, each compared there with its Java twin (numerics/Bf16, numerics/Fp8). Nothing here reduces.
#include "kv.cuh"

// out[i] = narrow(float with bits start + i), for i < n (the bit patterns wrap past 0xFFFFFFFF as unsigned ints do).
#define INV_KV_ENCODE(NAME, T, FN)                                                                                   \
    INV_EXTERN void NAME(unsigned start, T* out, unsigned n) {                                                      \
        for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {              \
            out[i] = inv::FN(__uint_as_float(start + i));                                                           \
        }                                                                                                            \
    }

INV_KV_ENCODE(kv_encode_bf16, unsigned short, f32_to_bf16)
INV_KV_ENCODE(kv_encode_fp8e4m3, unsigned char, f32_to_e4m3)
INV_KV_ENCODE(kv_encode_fp8e5m2, unsigned char, f32_to_e5m2)

// out[i] = the bits of widen(stored pattern i), for every pattern i < n (65536 for bf16, 256 for fp8).
#define INV_KV_DECODE(NAME, T, FN)                                                                                   \
    INV_EXTERN void NAME(unsigned* out, unsigned n) {                                                               \
        for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {              \
            out[i] = __float_as_uint(inv::FN((T)i));                                                                 \
        }                                                                                                            \
    }

INV_KV_DECODE(kv_decode_bf16, unsigned short, bf16_to_f32)
INV_KV_DECODE(kv_decode_fp8e4m3, unsigned char, e4m3_to_f32)
INV_KV_DECODE(kv_decode_fp8e5m2, unsigned char, e5m2_to_f32)

// Gemma's sliding layers (window > 0): a token at position pos sees keys first_key(pos, window) .. pos, as the CPU's
// PagedAttention does; without a window (0) every key from 0. The attention kernels and every merge of their splits
// (attention.cu, attention_decode.cu, attention_blocks.cu, attention_naive.cu) count from this one definition.
#pragma once

__device__ __forceinline__ int first_key(int pos, int window) { return window > 0 ? max(0, pos - window + 1) : 0; }

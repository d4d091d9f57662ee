// A grid-wide barrier for a persistent kernel whose blocks are all resident (cooperative launch), and the counts of
// work done that let a phase wait for only the part of the previous one it reads. Integer atomics and acquire loads
// only: it orders phases and computes no value. A wait that does not pass within seconds stops the kernel with an
// error instead of hanging it (a grid that is not co-resident, or a block that failed).
#pragma once

#include "../../../kernels/stream.cuh"

#include <cstdio>

// Grid barrier styles: GEN, a count reset by the last block to arrive, which then bumps a generation word the
// others spin on; COUNT, one count that only grows during the launch (waiting for n * barriers), reset at exit.
#define BAR_GEN 0
#define BAR_COUNT 1

__device__ __forceinline__ unsigned long long now_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %globaltimer;" : "=l"(t));
    return t;
}
// A barrier not passed within ~4 s (8e9 cycles) means the grid is not co-resident or a block failed: stop with an error, not a hang.
// (The SM's cycle counter, not %globaltimer: the check sits on every wait's path.)
__device__ __forceinline__ void stuck(long long since) {
    if (clock64() - since > 8000000000LL) {
        printf("step_persistent: block %d waited 8e9 cycles (seconds) at a grid barrier\n", blockIdx.x);
        __trap();
    }
}

__device__ __forceinline__ unsigned ld_acquire(const unsigned* p) {
    unsigned v;
    asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    return v;
}

// Thread 0: spins until *word >= until (a count that only grows during the launch).
__device__ __forceinline__ void spin_until(const unsigned* word, unsigned until) {
    const long long t0 = clock64();
    for (unsigned n = 1; ld_acquire(word) < until; n++)
        if ((n & 1023) == 0) stuck(t0);
}

// The grid barrier, split into arrive (the phase's writes done) and wait (the next phase may read them), so that a
// block can request weights between the two. words: [count, generation, exits, then FLAG_WORDS counts of work done
// (Step::flags)]. Only thread 0 keeps `ticket`. A wait with `flag` set waits for *flag >= until instead (the phase
// needs only the work that count counts; the barrier's arrive/wait pairs are not consumed).
#define FLAG_WORDS 61
struct GridBar {
    unsigned* words;
    int style;
    unsigned ticket;
    unsigned long long* stamp;  // where thread 0 notes when it passed the next wait (block 0 only), or null
    unsigned long long* ends;   // where thread 0 notes when its block's part of the phase was done, or null
    const unsigned* flag;
    unsigned until;

    __device__ __forceinline__ void arrive() {  // every thread of the block
        __syncthreads();
        inv::slot_release();  // what this block read or wrote in shared memory, before the copy engine rewrites it
        if (threadIdx.x == 0 && ends) *ends = now_ns();
        if (threadIdx.x == 0) {
            __threadfence();
            if (style == BAR_GEN) {
                const unsigned g = ld_acquire(words + 1);
                if (atomicAdd(words, 1u) == gridDim.x - 1) {
                    atomicExch(words, 0u);
                    __threadfence();
                    atomicAdd(words + 1, 1u);
                }
                ticket = g;
            } else {
                atomicAdd(words, 1u);
                ticket += gridDim.x;
            }
        }
    }
    __device__ __forceinline__ void wait() const {  // every thread of the block
        if (threadIdx.x == 0) {
            const long long t0 = clock64();
            if (flag) {
                spin_until(flag, until);
            } else {
                const bool gen = style == BAR_GEN;
                for (unsigned n = 1; gen ? ld_acquire(words + 1) == ticket : ld_acquire(words) < ticket; n++)
                    if ((n & 1023) == 0) stuck(t0);
            }
            __threadfence();
            if (stamp) *stamp = now_ns();
        }
        __syncthreads();
    }
    // The last block out resets the counts for the next launch (every block has passed its last wait).
    __device__ __forceinline__ void exit() {
        if (threadIdx.x == 0 && atomicAdd(words + 2, 1u) == gridDim.x - 1) {
            if (style == BAR_COUNT) atomicExch(words, 0u);
            for (int i = 3; i < 3 + FLAG_WORDS; i++) atomicExch(words + i, 0u);
            atomicExch(words + 2, 0u);
        }
    }
};

// The cost-of-determinism probe (issue 8): kernels/matvec_stream.cu allowed to split each weight row along k, as a
// conventional engine does at batch 1 when it has fewer rows than warps. Part p of S takes the layout groups
// [p * G / S, (p + 1) * G / S) (the last part also the row's rest and tail) with its own 32 partials and tree; the S
// part sums are then added in order. The rounding depends on S, so its bits differ from the canonical dot: S is
// what an engine would pick from the shape and the batch. Same ring, copies, staging and fusions as the portable
// kernel, so the difference measured is the split alone.
// Block b takes units [b * units / grid, (b + 1) * units / grid); its 8 warps are 8 / S row slots of S parts; a round
// computes 8 / S units, the parts meet in shared memory, and part 0's warp writes the output.
#pragma once

template <int FLAGS, int S>
__global__ void __launch_bounds__(32 * STREAM_WARPS, 1)
    stream_split(const unsigned short* W, const float* x, const float* nw, float eps, float* y, const float* bias,
                 const float* resid, int rows, int k, int stride) {
    constexpr int GS = 8, NSLOT = SLOTS, SEGG = SEG_GROUPS, SLOTB = STREAM_SLOT_BYTES(SEG_GROUPS);
    constexpr int U = (FLAGS & STREAM_SILU) ? 2 : 1;
    constexpr int RL = STREAM_WARPS / S;  // units per round
    extern __shared__ float4 sm4[];
    unsigned char* ring = reinterpret_cast<unsigned char*>(sm4);
    float* xs = reinterpret_cast<float*>(ring + STREAM_WARPS * NSLOT * SLOTB);
    __shared__ unsigned long long full[STREAM_WARPS][NSLOT];
    __shared__ float invs, parts[RL][U][S];
    const inv::RowLayout l = inv::row_layout(k, 2);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int p = warp % S, rl = warp / S;
    const int gbytes = l.w * 16, rowBytes = stride * 2;
    const int ga = p * l.groups / S, gb = (p + 1) * l.groups / S;  // this part's groups
    const bool lastPart = p == S - 1;
    const int nseg = max(lastPart ? 1 : 0, (gb - ga + SEGG - 1) / SEGG);
    const int units = rows / U;
    const int b0 = (int)((long long)blockIdx.x * units / gridDim.x), b1 = (int)((long long)(blockIdx.x + 1) * units / gridDim.x);
    const int rounds = (b1 - b0 + RL - 1) / RL;
    const int myUnits = max(0, min(rounds, (b1 - b0 - rl + RL - 1) / RL));  // units b0 + rl + RL * i
    const int items = myUnits * U * nseg;
    unsigned char* myRing = ring + warp * NSLOT * SLOTB;
    auto issue = [&](int it) {
        const int per = U * nseg, i = it / per, rem = it - i * per, ri = rem / nseg, s = rem - ri * nseg;
        const int row = (b0 + rl + RL * i) * U + ri;
        const int lo = (ga + s * SEGG) * gbytes;
        const int hi = s == nseg - 1 ? (lastPart ? rowBytes : gb * gbytes) : lo + SEGG * gbytes;
        inv::bulk_load(myRing + (it % NSLOT) * SLOTB, reinterpret_cast<const unsigned char*>(W) + (long long)row * rowBytes + lo,
                  (unsigned)(hi - lo), &full[warp][it % NSLOT]);
    };
    if (lane == 0) {
        inv::ring_init(full[warp], NSLOT);
        for (int it = 0; it < NSLOT && it < items; it++) issue(it);
    }
    float* ns = xs + ((k + 3) & ~3);  // staged as the portable kernel stages them
    if ((k & 3) == 0) {
#pragma unroll 4
        for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x) {
            reinterpret_cast<float4*>(xs)[i] = __ldg(reinterpret_cast<const float4*>(x) + i);
            if (FLAGS & STREAM_NORM) reinterpret_cast<float4*>(ns)[i] = __ldg(reinterpret_cast<const float4*>(nw) + i);
        }
    } else {
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x) {
            xs[i] = __ldg(x + i);
            if (FLAGS & STREAM_NORM) ns[i] = __ldg(nw + i);
        }
    }
    __syncthreads();
    if (FLAGS & STREAM_NORM) {
        if (warp == 0) {
            const float ss = inv::warp_dot(xs, xs, k);
            if (lane == 0) invs = inv::inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
        const float invr = invs;
        for (int i = threadIdx.x; i < k; i += blockDim.x) xs[i] = ns[i] * (xs[i] * invr);
        __syncthreads();
    }
    const float* xl = xs + lane;
    const bool on = lane < l.w;
    int it = 0;
    for (int round = 0; round < rounds; round++) {
        const bool mine = round < myUnits;
        for (int ri = 0; ri < U; ri++) {
            float acc = 0.0f;
            for (int s = 0; mine && s < nseg; s++, it++) {
                const int slot = it % NSLOT;
                inv::mbar_wait(&full[warp][slot], (unsigned)(it / NSLOT) & 1u);
                const unsigned char* seg = myRing + slot * SLOTB;
                const int g0 = ga + s * SEGG, g1 = min(gb, g0 + SEGG);
                if (on) {
#pragma unroll
                    for (int u = 0; u < SEGG; u++) {
                        const int gi = g0 + u;
                        if (gi < g1) {
                            float w[GS];
                            inv::unpack<unsigned short>(*reinterpret_cast<const uint4*>(seg + u * gbytes + lane * 16), w);
                            const float* xg = xl + gi * GS * l.w;
#pragma unroll
                            for (int q = 0; q < GS; q++) acc = fmaf(xg[q * l.w], w[q], acc);
                        }
                    }
                    if (lastPart && s == nseg - 1) {
                        const unsigned short* rest = reinterpret_cast<const unsigned short*>(seg + (g1 - g0) * gbytes);
                        const float* xg = xl + l.groups * GS * l.w;
                        for (int q = 0; q < l.rest; q++) acc = fmaf(xg[q * l.w], inv::widen<unsigned short>(rest[lane * l.rest + q]), acc);
                        const int tail = l.chunks * l.w;
                        if (tail + lane < k) acc = fmaf(xs[tail + lane], inv::widen<unsigned short>(rest[l.w * l.rest + lane]), acc);
                    }
                }
                __syncwarp();
                if (lane == 0 && it + NSLOT < items) {
                    inv::slot_release();
                    issue(it + NSLOT);
                }
            }
#pragma unroll
            for (int d = 16; d >= 1; d >>= 1) {
                const float o = __shfl_down_sync(0xffffffffu, acc, d);
                if (d < l.w) acc = acc + o;
            }
            if (lane == 0) parts[rl][ri][p] = acc;
        }
        __syncthreads();
        if (mine && p == 0 && lane == 0) {
            float v[U];
#pragma unroll
            for (int ri = 0; ri < U; ri++) {
                v[ri] = parts[rl][ri][0];
                for (int q = 1; q < S; q++) v[ri] = v[ri] + parts[rl][ri][q];
            }
            const int unit = b0 + rl + RL * round;
            if (FLAGS & STREAM_SILU) {
                y[unit] = inv::silu_canon(v[0]) * v[U - 1];
            } else {
                float o = v[0];
                if (bias) o = o + bias[unit];
                if (resid) o = resid[unit] + o;
                y[unit] = o;
            }
        }
        __syncthreads();
    }
}

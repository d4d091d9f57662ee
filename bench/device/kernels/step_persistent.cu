// Kernel-level benchmark of the decode step at batch 1 in ONE persistent kernel (step_persistent.cuh) against the
// same step as the backend runs it today: a chain of ~150 kernels (embed; per layer matvec_stream.cu's _w16 q|k|v
// + norm + bias, rope_kv.cu, attention_decode.cu with the merge in the splits, o + residual, gate/up + norm + silu,
// down + residual; the lm_head + final norm) in one CUDA graph with dependent launches (chain.cuh). Shape
// synthetic:qwen2.5-0.5b (bf16 weights, every layer its own seeded weights, more than L2 holds, tied lm_head), fp32
// paged KV cache filled with seeded values, one token at a context of --ctx positions (default 32 and 512).
// Checks, bit for bit against the chain: the residual stream after every layer, the K and V rows the step writes in
// every layer, the last layer's q|k|v, the logits; once before timing and again after the timed replays. Then one
// table: us per step, % of the roofline (weight bytes per step at the copy bandwidth measured here), per variant:
// ring copies issued before the barrier's wait or after it, an L2 window of the weights ahead, the barrier style,
// warps and blocks per SM, slots per warp; and the chain itself with a ring of 6 slots that hold one 0.5B row each
// (a warp's whole slice of a 0.5B projection requested before it waits). Also the cost of a grid barrier alone.
// Build: bench/device/kernels/build. Run: step_persistent [--reps N] [--ctx 32,512] [--layers N].
#include "step_check.cuh"

#include "layer.cuh"

#include <unistd.h>

static unsigned short* seeded_bf16(unsigned short* at, long long n, unsigned seed) {
    fill_bf16<<<1024, 256>>>(at, n, seed);
    return at + n;
}

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IOLBF, 0);  // every line out at once: a hang below still leaves what was measured
    alarm(240);                             // and is ended (the whole run takes well under a minute)
    int reps = 50, layers = 24;
    std::vector<int> ctxs = {32, 512};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ctx") && i + 1 < argc) ctxs = list(argv[++i]);
        else { printf("usage: step_persistent [--reps N] [--ctx 32,512] [--layers N]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    g_sms = p.multiProcessorCount;
    const int maxSmem = (int)p.sharedMemPerBlockOptin;

    // synthetic:qwen2.5-0.5b, one sequence, a paged fp32 cache of 4,096 positions in blocks of 16 (in reverse order)
    Step s = {};
    s.layers = layers; s.H = 896; s.Q = 1152; s.I = 4864; s.V = 151936; s.heads = 14; s.kvHeads = 2; s.headDim = 64;
    s.blockSize = 16; s.eps = 1e-6f; s.scale = 0.125f;
    const int maxPos = 4096, kvd = s.kvHeads * s.headDim, half = s.headDim / 2;
    s.maxSplits = maxPos / SPLIT; s.kvFloats = (long long)maxPos * kvd;
    if (s.heads + 2 * s.kvHeads + 1 > FLAG_WORDS) { printf("more stacked heads than FLAG_WORDS\n"); return 1; }
    const long long lw = layer_weights(s), weights = layers * lw + (long long)s.V * s.H;
    unsigned short* w; CK(cudaMalloc(&w, 2 * weights));
    {
        unsigned short* at = w;
        const long long H = s.H, Q = s.Q, I = s.I;
        for (int l = 0; l < layers; l++) {
            at = seeded_bf16(at, Q * H, 11 + l); at = seeded_bf16(at, H * H, 23 + l);
            at = seeded_bf16(at, 2 * I * H, 37 + l); at = seeded_bf16(at, H * I, 41 + l);
        }
        seeded_bf16(at, (long long)s.V * H, 99);
        s.w = w;
    }
    float* f; CK(cudaMalloc(&f, 4 * (layers * layer_floats(s) + s.H)));
    for (int l = 0; l < layers; l++) {
        float* at = f + l * layer_floats(s);
        fill_f32<<<64, 256>>>(at, s.H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(at + s.H, s.H, 7 + l, 0.5f, 1.5f);
        fill_f32<<<64, 256>>>(at + 2 * s.H, s.Q, 9 + l, -0.1f, 0.1f);
    }
    fill_f32<<<64, 256>>>(f + layers * layer_floats(s), s.H, 98, 0.5f, 1.5f);
    s.f = f;
    const long long actFloats = layers * layer_acts(s) + s.H + s.V;
    CK(cudaMalloc(&s.act, 4 * actFloats));
    CK(cudaMalloc(&s.keys, 4 * layers * s.kvFloats)); CK(cudaMalloc(&s.values, 4 * layers * s.kvFloats));
    fill_f32<<<1024, 256>>>(s.keys, layers * s.kvFloats, 71, -1.0f, 1.0f);
    fill_f32<<<1024, 256>>>(s.values, layers * s.kvFloats, 73, -1.0f, 1.0f);
    std::vector<int> tables(maxPos / s.blockSize);
    for (size_t i = 0; i < tables.size(); i++) tables[i] = (int)(tables.size() - 1 - i);
    std::vector<float> cs((size_t)maxPos * half), sn((size_t)maxPos * half);
    for (int q = 0; q < maxPos; q++)
        for (int i = 0; i < half; i++) {
            const double a = q * pow(1e6, -2.0 * i / s.headDim);
            cs[(size_t)q * half + i] = (float)cos(a); sn[(size_t)q * half + i] = (float)sin(a);
        }
    int *positions, *tokSeq, *seqTableStart, *tab, *tokens; float *cosT, *sinT;
    CK(cudaMalloc(&positions, 4)); CK(cudaMalloc(&tokSeq, 4));
    CK(cudaMalloc(&seqTableStart, 4)); CK(cudaMalloc(&tokens, 4));
    CK(cudaMalloc(&tab, 4 * tables.size())); CK(cudaMalloc(&cosT, 4 * cs.size())); CK(cudaMalloc(&sinT, 4 * sn.size()));
    CK(cudaMemset(tokSeq, 0, 4)); CK(cudaMemset(seqTableStart, 0, 4));
    const int token = 4242;
    CK(cudaMemcpy(tokens, &token, 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(tab, tables.data(), 4 * tables.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(cosT, cs.data(), 4 * cs.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(sinT, sn.data(), 4 * sn.size(), cudaMemcpyHostToDevice));
    s.positions = positions; s.tokSeq = tokSeq; s.seqTableStart = seqTableStart; s.tables = tab; s.tokens = tokens;
    s.cosT = cosT; s.sinT = sinT;
    CK(cudaMalloc(&s.part, 4LL * s.heads * s.maxSplits * (s.headDim + 2)));
    CK(cudaMalloc(&s.done, 4 * s.heads)); CK(cudaMemset(s.done, 0, 4 * s.heads));
    CK(cudaMalloc(&s.bar, 4 * (3 + FLAG_WORDS))); CK(cudaMemset(s.bar, 0, 4 * (3 + FLAG_WORDS)));
    Chain c;
    CK(cudaMalloc(&c.x, 4 * s.H)); CK(cudaMalloc(&c.qkv, 4 * s.Q)); CK(cudaMalloc(&c.attn, 4 * s.H));
    CK(cudaMalloc(&c.h, 4 * s.I)); CK(cudaMalloc(&c.logits, 4 * s.V)); CK(cudaMalloc(&c.rec, 4LL * layers * s.H));
    long long* l2; CK(cudaMalloc(&l2, 16LL * step_phases(s)));
    unsigned long long* stamps; CK(cudaMalloc(&stamps, 8LL * (step_phases(s) + 1)));
    unsigned long long* ends; CK(cudaMalloc(&ends, 8LL * step_phases(s) * 4 * g_sms));
    CK(cudaDeviceSynchronize()); CK(cudaGetLastError());

    // every kernel may take the shared memory its static variables leave of the per-block limit
    auto allow = [&](const char* name, const void* fn, int want) {
        cudaFuncAttributes fa; CK(cudaFuncGetAttributes(&fa, fn));
        const int room = maxSmem - (int)fa.sharedSizeBytes;
        printf("%-34s %3d registers, %5zu B static + %6d B dynamic shared (room %6d)%s\n", name, fa.numRegs,
               fa.sharedSizeBytes, want, room, want > room ? ": DOES NOT FIT" : "");
        CK(cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize, std::min(want, room)));
        CK(cudaFuncSetAttribute(fn, cudaFuncAttributePreferredSharedMemoryCarveout, 100));
        return want <= room;
    };
    bool ring6 = true;  // the chain's 16 x 6 x 3 ring fits (else that row is skipped)
    {
        const int ring = W16_WARPS * W16_SLOTS * SLOT_BYTES, k4 = 4 * ((s.H + 3) & ~3), i4 = 4 * ((s.I + 3) & ~3);
        bool ok = allow("matvec_stream_bf16_w16", (const void*)matvec_stream_bf16_w16, ring + std::max(k4, i4));
        ok &= allow("matvec_stream_bf16_norm_w16", (const void*)matvec_stream_bf16_norm_w16, ring + 2 * k4);
        ok &= allow("matvec_stream_bf16_norm_silu_w16", (const void*)matvec_stream_bf16_norm_silu_w16, ring + 2 * k4);
        ok &= allow("attention_splits", (const void*)attention_splits, att_smem(s, ATT_WARPS));
        const int r6 = RING_6X3.nw * RING_6X3.nslot * STREAM_SLOT_BYTES(RING_6X3.segg);
        ring6 &= allow("chain ring 16x6x3", RING_6X3.f[0], r6 + std::max(k4, i4));
        ring6 &= allow("chain ring 16x6x3 norm", RING_6X3.f[1], r6 + 2 * k4);
        ring6 &= allow("chain ring 16x6x3 norm+silu", RING_6X3.f[2], r6 + 2 * k4);
        if (!ok) return 1;
    }
    const std::vector<Kind> kinds = {KIND("16w 2x8", 16, 2, 8, 0, 1), KIND("16w 6x3", 16, 6, 3, 0, 1),
                                     KIND("8w 2x8 x2", 8, 2, 8, NW_GLOBAL, 2)};
    std::vector<int> fits(kinds.size());
    for (size_t i = 0; i < kinds.size(); i++) {
        const Kind& k = kinds[i];
        const int smem = step_smem(k.nw, k.nslot, k.segg, k.opts, s);
        if (!allow((std::string("step_persistent ") + k.name).c_str(), k.f, smem)) continue;
        CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&fits[i], k.f, 32 * k.nw, smem));
        printf("kernel %-10s %2d warps, %d slots x %d groups, %6d B shared, %d blocks per SM fit (%d wanted)\n", k.name,
               k.nw, k.nslot, k.segg, smem, fits[i], k.minb);
    }
    // (an earlier run, 2026-12-02 13:48, also had L2 windows of 8 and 32 MB, 12 warps x 3 slots, and L2 with flags:
    // every L2 window made the step slower, the other shapes were no faster). 6 slots x 3 groups: 2,112-byte slots that
    // hold a 0.5B row (1,792 bytes) each, so that a warp's whole gate/up slice (<= 3 pairs) is requested before the wait
    const std::vector<Variant> variants = {
        {0, false, -1, BAR_GEN, false, false, "no prefetch: ring copies issued after the barrier's wait"},
        {0, true, -1, BAR_GEN, false, false, "ring copies issued before the wait (smem prefetch)"},
        {0, true, -1, BAR_COUNT, false, false, "ring before the wait, the one-count barrier"},
        {0, true, -1, BAR_GEN, true, false, "ring before the wait, flags for qkv>attn>o"},
        {0, true, -1, BAR_COUNT, true, false, "ring before the wait, flags, one-count barrier"},
        {0, true, 16, BAR_GEN, false, true, "ring + L2 window 16 MB, requested after the ring"},
        {0, true, 4, BAR_GEN, false, true, "ring + L2 window 4 MB, requested after the ring"},
        {1, false, -1, BAR_GEN, false, false, "6 slots x 3 groups (a warp's slice in flight), after the wait"},
        {1, true, -1, BAR_GEN, false, false, "6 slots x 3 groups, ring before the wait"},
        {1, true, -1, BAR_COUNT, true, false, "6 slots x 3 groups, ring before the wait, flags, count"},
        {2, true, -1, BAR_GEN, false, false, "2 blocks per SM, ring before the wait"},
        {2, true, -1, BAR_COUNT, true, false, "2 blocks per SM, ring before the wait, flags, count"},
    };

    cudaStream_t st; CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    {  // can a cooperative launch be captured into a graph here?
        int n = 1, style = BAR_GEN; unsigned* words = s.bar;
        void* args[] = {&words, &style, &n};
        cudaGraph_t g;
        CK(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
        cudaLaunchConfig_t lc = {};
        lc.gridDim = dim3(g_sms); lc.blockDim = dim3(512); lc.stream = st;
        cudaLaunchAttribute a[1];
        a[0].id = cudaLaunchAttributeCooperative; a[0].val.cooperative = 1;
        lc.attrs = a; lc.numAttrs = 1;
        const cudaError_t e1 = cudaLaunchKernelExC(&lc, (const void*)barriers_only, args);
        const cudaError_t e2 = cudaStreamEndCapture(st, &g);
        cudaGraphExec_t ge = nullptr;
        const cudaError_t e3 = e1 == cudaSuccess && e2 == cudaSuccess ? cudaGraphInstantiate(&ge, g, 0) : e1;
        if (e1 != cudaSuccess || e2 != cudaSuccess || e3 != cudaSuccess) {
            g_coop = false;
            printf("cooperative launches cannot be captured here (%s): plain launches, every block resident by the "
                   "occupancy check\n", cudaGetErrorString(e1 != cudaSuccess ? e1 : e2 != cudaSuccess ? e2 : e3));
            cudaGetLastError();
        }
        if (ge) CK(cudaGraphExecDestroy(ge));
        if (e2 == cudaSuccess) CK(cudaGraphDestroy(g));
    }
    const double copyGBs = copy_bandwidth(st, g_sms);
    const double roof = 2.0 * weights / (copyGBs * 1e3);
    printf("step_persistent: %s, %d SMs, copy bandwidth %.1f GB/s; qwen2.5-0.5b x %d layers: %.1f MB of weights per "
           "step (lm_head %.1f MB), roofline %.1f us per step (%.0f tok/s); 50 %% = %.1f us\n", p.name, g_sms, copyGBs,
           layers, 2e-6 * weights, 2e-6 * s.V * s.H, roof, 1e6 / roof, 2 * roof);

    struct Row { std::vector<float> us; std::vector<std::string> bits; };
    const int CHAINS = 3;  // the chain with dependent launches, plain, and with the 16 x 6 x 3 ring
    std::vector<Row> rows(variants.size() + CHAINS);
    for (int ctx : ctxs) {
        if (ctx + 1 > maxPos) { printf("ctx %d: more than %d positions\n", ctx, maxPos - 1); return 1; }
        CK(cudaMemcpy(positions, &ctx, 4, cudaMemcpyHostToDevice));  // the token at position ctx: ctx + 1 keys
        CK(cudaDeviceSynchronize());
        const long long row = kv_row(s, tables, ctx);
        poison_kv(s, row);
        chain(st, s, c, true, true);
        CK(cudaStreamSynchronize(st)); CK(cudaGetLastError());
        const Outs want = collect_chain(s, row, c);
        for (int ci = 0; ci < CHAINS; ci++) {
            const bool pdl = ci != 1;
            const Ring& rg = ci == 2 ? RING_6X3 : W16_RING;
            std::string first = "equal";
            if (ci == 2 && !ring6) { rows[ci].us.push_back(0); rows[ci].bits.push_back("does not fit"); continue; }
            if (ci == 2) {  // checked on its own first: the reference above is the backend's ring
                poison_kv(s, row);
                chain(st, s, c, true, true, rg);
                CK(cudaStreamSynchronize(st)); CK(cudaGetLastError());
                first = compare(s, want, collect_chain(s, row, c));
            }
            auto g = capture(st, [&] { chain(st, s, c, false, pdl, rg); });
            poison_kv(s, row);
            rows[ci].us.push_back(time_graph(st, g, reps) * 1e3f);
            CK(cudaGraphExecDestroy(g));
            const std::string again = compare(s, want, collect_chain(s, row, c));
            rows[ci].bits.push_back(first == "equal" && again == "equal" ? "equal" : first + " | after: " + again);
        }
        printf("\nctx %d: chain %.1f us (dependent), %.1f us (plain), %.1f us (ring 16 x 6 x 3, dependent) %s\n", ctx,
               rows[0].us.back(), rows[1].us.back(), rows[2].us.back(), rows[2].bits.back().c_str());
        for (size_t vi = 0; vi < variants.size(); vi++) {
            const Variant& v = variants[vi];
            const Kind& vk = kinds[v.kind];
            int fit = 0;
            const int smem = step_smem(vk.nw, vk.nslot, vk.segg, vk.opts, s);
            fit = fits[v.kind];
            Row& r = rows[vi + CHAINS];
            if (fit < vk.minb) { r.us.push_back(0); r.bits.push_back("does not fit"); continue; }
            Step sv = s;
            sv.early = v.early; sv.style = v.style; sv.flags = v.flags; sv.l2late = v.l2late;
            sv.attnWarps = std::min(vk.nw, (smem - 4 * s.headDim) / (att_smem(s, 1) - 4 * s.headDim));
            if (v.aheadMB >= 0) {
                const std::vector<long long> win = l2_windows(s, v.aheadMB);
                CK(cudaMemcpy(l2, win.data(), 8 * win.size(), cudaMemcpyHostToDevice));
                CK(cudaDeviceSynchronize());
                sv.l2 = l2;
            }
            void* args[] = {&sv};
            const dim3 grid(g_sms * vk.minb), block(32 * vk.nw);
            CK(cudaMemset(s.act, 0, 4 * actFloats));
            poison_kv(s, row);
            launch(st, vk.f, grid, block, args, smem, false, true);
            CK(cudaStreamSynchronize(st)); CK(cudaGetLastError());
            std::string bits = compare(s, want, collect_persistent(s, row));
            auto g = capture(st, [&] { launch(st, vk.f, grid, block, args, smem, false, true); });
            CK(cudaMemset(s.act, 0, 4 * actFloats));
            poison_kv(s, row);
            r.us.push_back(time_graph(st, g, reps) * 1e3f);
            CK(cudaGraphExecDestroy(g));
            const std::string after = compare(s, want, collect_persistent(s, row));
            r.bits.push_back(bits == "equal" && after == "equal" ? "equal"
                             : "first run: " + bits + " | after timing: " + after);
            printf("  %-10s %-58s %9.1f us  %s\n", vk.name, v.what, r.us.back(), r.bits.back().c_str());
            sv.stamps = stamps;  // one more step, noting when block 0 passed each wait and every block's part was done
            sv.ends = ends;
            launch(st, vk.f, grid, block, args, smem, false, true);
            CK(cudaStreamSynchronize(st)); CK(cudaGetLastError());
            printf("    us per phase: %s\n", phase_times(s, stamps, ends, (int)grid.x, copyGBs).c_str());
        }
    }

    // the grid barrier alone: a kernel of n barriers (arrive + wait), n = the step's count and 0
    printf("\ngrid barrier alone (%d blocks of 512 threads, cooperative, one graph):\n", g_sms);
    for (int style : {BAR_GEN, BAR_COUNT}) {
        float t[2];
        const int counts[2] = {step_phases(s) - 1, 0};
        for (int i = 0; i < 2; i++) {
            int n = counts[i]; unsigned* words = s.bar;
            void* args[] = {&words, &style, &n};
            auto g = capture(st, [&] {
                launch(st, (const void*)barriers_only, dim3(g_sms), dim3(512), args, 0, false, true);
            });
            t[i] = time_graph(st, g, reps) * 1e3f;
            CK(cudaGraphExecDestroy(g));
        }
        printf("  %-6s %d barriers %.1f us, none %.1f us: %.2f us per barrier\n", style == BAR_GEN ? "gen" : "count",
               counts[0], t[0], t[1], (t[0] - t[1]) / counts[0]);
    }

    printf("\nthe decode step at batch 1, us per step and %% of the roofline (%.1f us at %.1f GB/s); bits against the "
           "chain (residual after every layer, K/V rows written, last q|k|v, logits)\n", roof, copyGBs);
    printf("%-11s %-60s", "kernel", "variant");
    for (int ctx : ctxs) printf(" | ctx %-5d us %5s", ctx, "%roof");
    printf(" | bits\n");
    for (size_t i = 0; i < rows.size(); i++) {
        const char* name = i < (size_t)CHAINS ? "chain" : kinds[variants[i - CHAINS].kind].name;
        const char* what = i == 0   ? "today: ~146 kernels in one graph, dependent launches"
                           : i == 1 ? "today's chain, plain launches"
                           : i == 2 ? "the chain with 16 warps x 6 slots x 3 groups, dependent"
                                    : variants[i - CHAINS].what;
        printf("%-11s %-60s", name, what);
        std::string bits;
        for (size_t j = 0; j < ctxs.size(); j++) {
            printf(" | %12.1f %5.1f", rows[i].us[j], rows[i].us[j] > 0 ? 100.0 * roof / rows[i].us[j] : 0.0);
            if (rows[i].bits[j] != "equal" || bits.empty()) bits = rows[i].bits[j];
        }
        printf(" | %s\n", bits.c_str());
    }
    return 0;
}

// Kernel-level benchmark of programmatic dependent launch (kernels/chain.cuh) for the decode step at batch 1: one
// layer's projections with matvec_stream.cu (qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid), with a small
// stand-in for rope and attention between qkv and o (a few blocks, as attention at batch 1 is), over every layer of
// Qwen2.5-0.5B and 4 layers of Qwen1.5-14B (more than L2 holds), captured in CUDA graphs, launched plainly and then
// with the programmatic-serialization attribute (each kernel requests its first weights before it waits for the one
// before it). Checks that both give the same bits, then prints µs per layer and the fraction of the copy bandwidth.
// Build: bench/device/kernels/build. Run: pdl [--reps N].
#include "step_chain.cuh"

#include <cstring>

struct Layer { unsigned short *qkv, *o, *gu, *d; float *nIn, *nPost, *bias; };

int main(int argc, char** argv) {
    int reps = 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else { printf("usage: pdl [--reps N]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    g_sms = p.multiProcessorCount; g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    for (const void* f : {(const void*)matvec_stream_bf16, (const void*)matvec_stream_bf16_norm, (const void*)matvec_stream_bf16_norm_silu})
        CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    const double copyGBs = copy_bandwidth(s, g_sms);
    printf("pdl: %s, copy bandwidth %.1f GB/s\n", p.name, copyGBs);
    struct Shape { const char* name; long long H, Q, I; int layers, heads; };
    for (const Shape& sh : {Shape{"qwen2.5-0.5b", 896, 1152, 4864, 24, 14}, Shape{"qwen1.5-14b", 5120, 15360, 13696, 4, 40}}) {
        const long long H = sh.H, Q = sh.Q, I = sh.I;
        const long long layerBytes = 2 * (Q * H + H * H + 2 * I * H + H * I);
        std::vector<Layer> L(sh.layers);
        for (int l = 0; l < sh.layers; l++) {
            Layer& w = L[l];
            unsigned short *a, *b, *c, *d;
            CK(cudaMalloc(&a, 2 * Q * H)); CK(cudaMalloc(&b, 2 * H * H)); CK(cudaMalloc(&c, 4 * I * H)); CK(cudaMalloc(&d, 2 * H * I));
            fill_bf16<<<1024, 256>>>(a, Q * H, 11 + l); fill_bf16<<<1024, 256>>>(b, H * H, 23 + l);
            fill_bf16<<<1024, 256>>>(c, 2 * I * H, 37 + l); fill_bf16<<<1024, 256>>>(d, H * I, 41 + l);
            w.qkv = relaid(a, Q, H); w.o = relaid(b, H, H); w.gu = relaid(c, 2 * I, H); w.d = relaid(d, H, I);
            CK(cudaDeviceSynchronize()); cudaFree(a); cudaFree(b); cudaFree(c); cudaFree(d);
            CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
            fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
            fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
        }
        float *x, *x0, *qkv, *attn, *h;
        CK(cudaMalloc(&x, 4 * H)); CK(cudaMalloc(&x0, 4 * H)); CK(cudaMalloc(&qkv, 4 * Q)); CK(cudaMalloc(&attn, 4 * H));
        CK(cudaMalloc(&h, 4 * I));
        fill_f32<<<64, 256>>>(x0, H, 3, -2.0f, 2.0f);
        CK(cudaDeviceSynchronize());
        auto step = [&](bool pdl, bool standIn) {
            for (int l = 0; l < sh.layers; l++) {
                const Layer& w = L[l];
                proj_base(s, pdl, 1, w.qkv, (int)Q, (int)H, x, w.nIn, qkv, w.bias, nullptr);
                if (standIn) {
                    int hh = (int)H; const float* q = qkv; float* at = attn;
                    void* args[] = {&q, &at, &hh};
                    launch_chained(s, pdl, (const void*)stand_in, dim3(sh.heads), dim3(128), args, 0);
                }
                proj_base(s, pdl, 0, w.o, (int)H, (int)H, attn, nullptr, x, nullptr, x);
                proj_base(s, pdl, 3, w.gu, (int)(2 * I), (int)H, x, w.nPost, h, nullptr, nullptr);
                proj_base(s, pdl, 0, w.d, (int)H, (int)I, h, nullptr, x, nullptr, x);
            }
        };
        printf("\n%s: %d layers of %.1f MB, roofline %.2f us per layer\n", sh.name, sh.layers, layerBytes / 1e6,
               layerBytes / (copyGBs * 1e3));
        std::vector<float> ref(H), got(H);
        for (int standIn = 0; standIn < 2; standIn++) {
            for (int pdl = 0; pdl < 2; pdl++) {
                CK(cudaMemcpyAsync(x, x0, 4 * H, cudaMemcpyDeviceToDevice, s)); CK(cudaMemsetAsync(attn, 0, 4 * H, s));
                step(pdl, standIn);
                CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                CK(cudaMemcpy(pdl ? got.data() : ref.data(), x, 4 * H, cudaMemcpyDeviceToHost));
                auto g = capture(s, [&] { step(pdl, standIn); });
                const float us = time_graph(s, g, reps) * 1e3 / sh.layers;
                CK(cudaGraphExecDestroy(g));
                printf("  %-22s %-6s %8.2f us per layer  %5.1f %% of copy bandwidth  bits %s\n",
                       standIn ? "projections+stand-in" : "projections", pdl ? "pdl" : "plain", us,
                       100.0 * layerBytes / (us * 1e3) / copyGBs, !pdl ? "ref" : !memcmp(ref.data(), got.data(), 4 * H) ? "equal" : "DIFFER");
            }
        }
        for (Layer& w : L) for (void* q : {(void*)w.qkv, (void*)w.o, (void*)w.gu, (void*)w.d, (void*)w.nIn, (void*)w.nPost, (void*)w.bias}) cudaFree(q);
        cudaFree(x); cudaFree(x0); cudaFree(qkv); cudaFree(attn); cudaFree(h);
    }
    return 0;
}

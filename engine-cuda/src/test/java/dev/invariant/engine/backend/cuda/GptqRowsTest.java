package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.engine.backend.cpu.GptqMatMul;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.model.gptq.GptqLinear;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.GptqMatrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The device layout of GPTQ rows, checked without a GPU: {@link #kernel} reads a {@link GptqRows} exactly as
 * kernels/gptq_matvec.cu does (which 16-byte load and value holds index i, the group per 32-index chunk or per index,
 * the rest and tail, the tree) and must give the CPU's bits ({@link GptqMatMul}) for every row of every stacked
 * projection of each checkpoint: int8/int4, act-order with one g_idx per linear, groups 32/64/128/one, v1 and v2.
 */
class GptqRowsTest {

    static Stream<String> models() {
        return Stream.concat(Stream.of("tiny-gptq-int8", "tiny-gptq-int4", "tiny-gptq-int4-g-1"),
                GptqModels.names());
    }

    @ParameterizedTest
    @MethodSource("models")
    void theKernelsReadingOfTheLayoutGivesTheCpuBits(String name) {
        if (name.startsWith("wide-")) {
            check(name, GptqModels.wide(GptqModels.named(name)));
        } else {
            try (LoadedModel m = LoadedModel.open(name)) {
                check(name, m.model());
            }
        }
    }

    private static void check(String name, Model model) {
        GptqLayer g = model.weights().layers().getFirst().gptq();
        boolean act = model.weights().quantization().descAct();
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        GptqRows[] layer = GptqRows.layer(g);
        List<List<GptqLinear>> projections = List.of(List.of(g.qProj(), g.kProj(), g.vProj()), List.of(g.oProj()),
                List.of(g.gateProj(), g.upProj()), List.of(g.downProj()));
        try (Arena arena = Arena.ofShared()) {
            for (int pi = 0; pi < 4; pi++) {
                List<GptqLinear> parts = projections.get(pi);
                List<GptqMatrix> ms = parts.stream().map(l -> GptqMatrix.of(l, arena)).toList();
                boolean interleave = parts.size() == 2;
                GptqRows rows = layer[pi];
                assertEquals(act, rows.act(), name + ": act-order takes the per-index path, others the chunk path");
                if (act && parts.size() > 1) {
                    assertNotNull(rows.rowPart(), name + ": each linear keeps its own g_idx");
                } else {
                    assertNull(rows.rowPart());
                }
                int k = rows.cols();
                float[] x = new float[k];
                for (int i = 0; i < k; i++) x[i] = (float) rnd.nextGaussian();
                List<Float> cpu = new ArrayList<>();
                float[] s = new float[GptqMatMul.scratchSize(1, k)];
                for (int r = 0; r < rows.rows(); r++) {
                    int part = interleave ? r & 1 : 0, n = interleave ? r >> 1 : r;
                    for (int p = 0; !interleave && n >= ms.get(p).rows(); p++) {
                        n -= ms.get(p).rows();
                        part = p + 1;
                    }
                    float[] y = new float[ms.get(part).rows()];
                    GptqMatMul.rows(ms.get(part), x, k, 1, y, y.length, 0, n, n + 1, s);
                    cpu.add(y[n]);
                }
                for (int r = 0; r < rows.rows(); r++) {
                    assertEquals(Float.floatToRawIntBits(cpu.get(r)), Float.floatToRawIntBits(kernel(rows, r, x)),
                            name + " " + parts.getFirst().name() + " row " + r);
                }
            }
        }
    }

    /** Row r · x as gptq_matvec.cu computes it, lane by lane. */
    static float kernel(GptqRows l, int row, float[] x) {
        int k = l.cols(), bits = l.bits(), gs = 128 / bits, w = Dot.width(k), chunks = k / w, G = chunks / gs;
        int rest = chunks - G * gs;
        long base = (long) row * l.stride();
        int gbase = l.rowPart() == null ? 0 : l.rowPart()[row] * k;
        float[] acc = new float[32];
        for (int lane = 0; lane < 32; lane++) {
            int gnext = 0, gid = -1, gcur = -1;
            float s = 0, nz = 0;
            for (int gi = 0; gi < G; gi++) {
                long load = base + (lane + (long) gi * w) * 16;  // the lane's 16-byte load
                for (int j = 0; j < gs; j++) {
                    int i = (gi * gs + j) * w + lane;
                    if (l.act()) {
                        int gg = l.gidx()[gbase + i];
                        if (gg != gcur) {
                            s = l.tab()[(row * l.groups() + gg) * 2];
                            nz = l.tab()[(row * l.groups() + gg) * 2 + 1];
                            gcur = gg;
                        }
                    } else if (i - lane >= gnext) {
                        gid++;
                        gnext += l.gsz();
                        s = l.tab()[(row * l.groups() + gid) * 2];
                        nz = l.tab()[(row * l.groups() + gid) * 2 + 1];
                    }
                    float wv = Math.fma(q(l, load * (bits == 8 ? 1 : 2) + j), s, nz);
                    acc[lane] = Math.fma(x[i], wv, acc[lane]);
                }
            }
            if (lane < w) {
                int restBase = G * w * gs;
                for (int j = 0; j <= rest; j++) {
                    int i = j < rest ? (G * gs + j) * w + lane : chunks * w + lane;
                    if (i >= k) break;
                    int slot = j < rest ? restBase + lane * rest + j : chunks * w + lane;
                    int gg = l.gidx()[gbase + i];
                    float wv = Math.fma(q(l, base * (bits == 8 ? 1 : 2) + slot), l.tab()[(row * l.groups() + gg) * 2],
                            l.tab()[(row * l.groups() + gg) * 2 + 1]);
                    acc[lane] = Math.fma(x[i], wv, acc[lane]);
                }
            }
        }
        // lane q adds lane q + s for s = 16 .. 1 where s < W (the shuffles)
        for (int s = 16; s >= 1; s >>= 1) {
            if (s < w) for (int q = 0; q + s < 32; q++) acc[q] = acc[q] + acc[q + s];
        }
        return acc[0];
    }

    /** (float) (q - o) of the value at global value index v (int8: byte v; int4: nibble v, low first). */
    private static float q(GptqRows l, long v) {
        int b = l.bits() == 8 ? l.q()[(int) v] & 0xFF : (l.q()[(int) (v >> 1)] >> (4 * (int) (v & 1))) & 0xF;
        return (float) (b - (l.bits() == 8 ? 128 : 0));
    }
}

package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which tile a many-token projection takes (ProjectionKernels.tileShape; no GPU needed), on the H200's 132
 * multiprocessors and the layer shapes the kernel-level benchmark measured (bench/device/kernels/tiles.cu,
 * docs/benchmarks.md 2026-12-05): 0 = 64 x 16, 1 = the bulk 16 x 16, -1 = the token groups.
 */
class TileShapeTest {
    private static final int H200 = 132;
    // Qwen2.5-0.5B: qkv 1,152 rows, o and down 896, gate/up 9,728; Qwen1.5-14B: o and down 5,120
    private static final int QKV_05B = 1152, O_05B = 896, GATE_UP_05B = 9728, O_14B = 5120;

    @Test
    void withoutTheSmallTilesAutoKeepsTheRuleBefore() {
        for (int rows : new int[] {QKV_05B, O_05B, GATE_UP_05B, O_14B}) {
            for (int n = 16; n <= 2767; n += 7) {
                int before = 2L * ((rows + 63) / 64) * ((n + 15) / 16) >= H200 ? 0 : -1;
                assertEquals(before, ProjectionKernels.tileShape("auto", false, rows, n, H200), rows + " x " + n);
            }
        }
    }

    @Test
    void theSmallTilesTakeWhatTheLargeOnesLeaveIdleWhereTheyFillTheMultiprocessors() {
        // 64 tokens: o and down's 64 x 16 grid is 56 blocks, the 16 x 16's 224 (measured 9.1 / 28.4 us against the
        // token groups' 14.9 / 45.3); qkv's 64 x 16 grid (72 blocks) fills half
        assertEquals(1, ProjectionKernels.tileShape("auto", true, O_05B, 64, H200));
        assertEquals(0, ProjectionKernels.tileShape("auto", true, QKV_05B, 64, H200));
        assertEquals(0, ProjectionKernels.tileShape("auto", true, GATE_UP_05B, 64, H200));
        // 16 tokens: qkv's 16 x 16 grid is 72 blocks, o's 56: the token groups (no slower there)
        assertEquals(-1, ProjectionKernels.tileShape("auto", true, QKV_05B, 16, H200));
        assertEquals(-1, ProjectionKernels.tileShape("auto", true, O_05B, 16, H200));
        // a large model's projections fill the multiprocessors with 64 x 16 at every size
        for (int n : new int[] {16, 64, 700, 2767}) {
            assertEquals(0, ProjectionKernels.tileShape("auto", true, O_14B, n, H200), "14B o x " + n);
        }
    }

    @Test
    void aForcedShapeIsTakenEverywhere() {
        assertEquals(-1, ProjectionKernels.tileShape("off", true, O_14B, 2767, H200));
        assertEquals(0, ProjectionKernels.tileShape("64x16", false, O_05B, 16, H200));
        assertEquals(1, ProjectionKernels.tileShape("16x16", false, O_14B, 2767, H200));
    }
}

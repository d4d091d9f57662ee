package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The room kernels/gptq_stream.cu's launch gives each row in a slot (no GPU needed): walking the segments and table
 * slices as the kernel copies them, every copy fits its row's room, and the seed report's shapes fit the H200's
 * shared memory, so their decode steps take the streamed kernel.
 */
class GptqStreamTest {
    private static final int ONE_GROUP = GptqRows.ONE_GROUP;

    @Test
    void everyCopyFitsItsRoom() {
        for (int bits : new int[] {8, 4}) {
            for (int k : new int[] {20, 100, 128, 256, 704, 1024, 2816, 5120, 13696}) {
                for (int gsz : new int[] {0, 32, 64, 128, 256, ONE_GROUP}) {
                    check(bits, k, gsz);
                }
            }
        }
    }

    private static void check(int bits, int k, int gsz) {
        int stride = ((k * bits / 8) + 15) / 16 * 16;
        int groups = gsz == 0 ? (k + 127) / 128 : gsz == ONE_GROUP ? 1 : (k + gsz - 1) / gsz;
        GptqStream.SlotRow room = GptqStream.slotRow(bits, k, stride, groups, gsz);
        int segg = GptqStream.segmentGroups(bits);
        int w = Math.min(32, Integer.highestOneBit(Math.max(1, k - 1)) << 1);
        int loads = k / w / (128 / bits);  // whole 16-byte loads per lane
        int nseg = loads == 0 ? 1 : (loads + segg - 1) / segg;
        String what = "int" + bits + " k " + k + " group " + gsz;
        for (int row = 0; row < 3; row++) {
            for (int s = 0; s < nseg; s++) {
                int lo = s * segg * 512, hi = s == nseg - 1 ? stride : lo + segg * 512;
                assertTrue(hi - lo <= room.seg() && (hi - lo) % 16 == 0, what + ": segment " + s + " of " + (hi - lo) + " bytes");
                if (gsz == 0) continue;
                // the table entries of the segment's inputs: [first input's group, last input's group]
                int firstGroup = Math.min(groups - 1, (int) ((long) s * segg * (128 / bits) * 32 / gsz));
                int lastGroup = s == nseg - 1 ? groups - 1
                        : (int) (((long) (s + 1) * segg * (128 / bits) * 32 - 1) / gsz);
                long t = (long) row * groups;
                long a = (t + firstGroup) & ~1L, b = (t + lastGroup + 2) & ~1L;  // 16-byte aligned
                assertTrue(b - a <= room.tabn(), what + ": segment " + s + " takes " + (b - a) + " entries, room for "
                        + room.tabn());
            }
        }
    }

    @Test
    void qwen15FourteenBFitsTheH200() {
        int h200 = 232448 - 1024;  // opt-in shared memory per block, less the kernels' static arrays (Kernels)
        for (int bits : new int[] {8, 4}) {
            for (int gsz : new int[] {128, 0}) {
                for (int[] kn : new int[][] {{5120, 1}, {13696, 0}}) {  // {inputs, normed}: qkv/gate-up, down
                    if (!GptqStream.streams(bits, gsz)) continue;
                    int k = kn[0];
                    int smem = GptqStream.smem(bits, k, ((k * bits / 8) + 15) / 16 * 16, k / 128, gsz, kn[1] == 1);
                    assertTrue(smem <= h200, "int" + bits + " k " + k + " group " + gsz + ": " + smem + " bytes");
                }
            }
        }
    }
}

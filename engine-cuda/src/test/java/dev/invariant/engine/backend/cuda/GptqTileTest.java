package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * kernels/gptq_tile.cu's launch (no GPU needed): every stage's (s, nz) entries fit the room a row has for them, and
 * the seed report's shapes (group 128, act-order included) fit the H200's shared memory, so their steps of many
 * tokens take the tiles (larger act-order tables keep the token groups).
 */
class GptqTileTest {
    private static final int ONE_GROUP = GptqRows.ONE_GROUP;

    @Test
    void everyStagesEntriesFitTheirRoom() {
        for (int k : new int[] {512, 704, 1024, 2816, 5120, 13696}) {
            for (int gsz = 32; gsz <= 1024; gsz += 32) check(k, gsz);
            check(k, ONE_GROUP);
        }
    }

    /** The kernel's stage s copies entries e0 .. min(last index's group, groups - 1) of each row. */
    private static void check(int k, int gsz) {
        int groups = gsz == ONE_GROUP ? 1 : (k + gsz - 1) / gsz;
        int kind = GptqStream.groupKind(gsz);
        for (int s = 0; s < k / 512; s++) {
            int e0 = s * 512 / gsz, cnt = Math.min((s * 512 + 511) / gsz, groups - 1) - e0 + 1;
            assertTrue(cnt >= 1 && cnt <= GptqTile.tabEntries(kind), "k " + k + " group " + gsz + ": stage " + s
                    + " takes " + cnt + " entries, room for " + GptqTile.tabEntries(kind));
            if (gsz == 128) assertEquals(4, cnt, "group 128: a stage is 4 groups");
        }
    }

    /**
     * The int8 group-128 bulk ring copies each row's 4 entries of a stage from the 16-byte boundary at or before them
     * (6 entries when the row's table starts 8 bytes into a boundary): what a stage reads is inside its copy, and the
     * last row's copy ends at most 16 bytes past the table (DeviceWeights keeps 16 bytes readable there). Its slots
     * fit the H200.
     */
    @Test
    void bulkRingCopiesHoldEveryStagesEntries() {
        for (int k : new int[] {512, 1024, 2816, 5120, 13696}) {
            int groups = (k + 127) / 128;
            for (int rows : new int[] {1, 2, 3, 64, 65}) {
                for (int row = 0; row < rows; row++) {
                    long start = (long) row * groups;
                    int odd = (int) (start & 1);
                    for (int s = 0; s < k / 512; s++) {
                        long from = start + 4L * s - odd, to = from + (odd == 1 ? 6 : 4);  // entries [from, to)
                        assertTrue(from >= 0 && from % 2 == 0, "16-byte aligned copy");
                        assertTrue(from <= start + 4L * s && start + 4L * s + 4 <= to, "k " + k + " row " + row);
                        assertTrue(to <= (long) rows * groups + 2, "k " + k + " rows " + rows + ": past the slack");
                    }
                }
            }
        }
        assertTrue(GptqTile.bulkSmem() <= 232448 - 1024, GptqTile.bulkSmem() + " bytes");
    }

    @Test
    void qwen15FourteenBFitsTheH200() {
        int h200 = 232448 - 1024;  // opt-in shared memory per block, less the kernels' static arrays (Kernels)
        for (int bits : new int[] {8, 4}) {
            for (int kind = 0; kind < 3; kind++) {
                for (int k : new int[] {5120, 13696}) {  // qkv, o, gate/up; down
                    long smem = GptqTile.smem(bits, kind, (k + 127) / 128);  // act-order keeps its 128-input groups' tables
                    assertTrue(smem <= h200, "int" + bits + " kind " + kind + " k " + k + ": " + smem + " bytes");
                }
            }
        }
    }
}

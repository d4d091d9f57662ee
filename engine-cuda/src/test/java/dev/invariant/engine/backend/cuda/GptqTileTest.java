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

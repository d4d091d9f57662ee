package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launch of kernels/gptq_stream.cu (no GPU needed): the ring shapes written again in {@link GptqStream} are the
 * kernel source's, the room each row gets in a slot holds every copy the kernel makes (walking the segments and table
 * slices, or a unit's merged copies), and the seed report's shapes fit the H200's shared memory, so their decode
 * steps take the streamed kernel.
 */
class GptqStreamTest {
    private static final int ONE_GROUP = GptqRows.ONE_GROUP;
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_stream.cu");  // from the module's directory

    @Test
    void shapesAreTheKernelSources() throws IOException {
        Map<String, String> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define GSTREAM(\\w+?)_(WARPS|SLOTS|SEGG|R|MERGED) (\\w+)$").matcher(Files.readString(SOURCE));
        while (m.find()) defs.put(m.group(1) + "_" + m.group(2), m.group(3));
        Map<String, GptqStream.Shape> families = Map.of("8", GptqStream.shape(8, 128), "8A", GptqStream.shape(8, 0),
                "4", GptqStream.shape(4, 128), "8W", GptqStream.INT8_WIDE);
        families.forEach((fam, s) -> {
            assertEquals(String.valueOf(s.warps()), defs.get(fam + "_WARPS"), "GSTREAM" + fam + "_WARPS");
            assertEquals(String.valueOf(s.slots()), defs.get(fam + "_SLOTS"), "GSTREAM" + fam + "_SLOTS");
            assertEquals(String.valueOf(s.segmentGroups()), defs.get(fam + "_SEGG"), "GSTREAM" + fam + "_SEGG");
            assertEquals(String.valueOf(s.rows()), defs.get(fam + "_R"), "GSTREAM" + fam + "_R");
            assertEquals(String.valueOf(s.merged()), defs.get(fam + "_MERGED"), "GSTREAM" + fam + "_MERGED");
            assertEquals(0, s.rows() % 2, "GSTREAM" + fam + "_R: SILU's (gate, up) pairs sit in one unit");
        });
        // int8 other group sizes follow group 128, int4 act-order follows int4 group 128
        assertEquals(GptqStream.shape(8, 128), GptqStream.shape(8, 64));
        assertEquals(GptqStream.shape(4, 128), GptqStream.shape(4, 0));
    }

    @Test
    void everyCopyFitsItsRoom() {
        for (int bits : new int[] {8, 4}) {
            for (int k : new int[] {20, 100, 128, 256, 704, 1024, 2816, 5120, 5632, 13696}) {
                for (int gsz : new int[] {0, 32, 64, 128, 256, ONE_GROUP}) {
                    check(GptqStream.shape(bits, gsz), bits, k, gsz);
                    if (bits == 8 && gsz != 0) check(GptqStream.INT8_WIDE, bits, k, gsz);
                }
            }
        }
    }

    private static void check(GptqStream.Shape shape, int bits, int k, int gsz) {
        int stride = ((k * bits / 8) + 15) / 16 * 16;
        int groups = gsz == 0 ? (k + 127) / 128 : gsz == ONE_GROUP ? 1 : (k + gsz - 1) / gsz;
        GptqStream.SlotRow room = GptqStream.slotRow(shape, bits, k, stride, groups, gsz);
        int segg = shape.segmentGroups();
        int w = Math.min(32, Integer.highestOneBit(Math.max(1, k - 1)) << 1);
        int loads = k / w / (128 / bits);  // whole 16-byte loads per lane
        int nseg = loads == 0 ? 1 : (loads + segg - 1) / segg;
        String what = "int" + bits + shape.suffix() + " k " + k + " group " + gsz;
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
        if (shape.merged() && nseg == 1) {
            // a unit's rows in one copy (each row's room is its whole row) and all their tables in one from the pair
            // of the first entry: units starting at an odd entry need one more
            assertEquals(stride, room.seg(), what + ": a merged unit's rows are contiguous");
            if (gsz == 0) return;
            for (int unit = 0; unit < 3; unit++) {
                long t0 = (long) unit * shape.rows() * groups;
                long entries = ((t0 + (long) shape.rows() * groups + 1) & ~1L) - (t0 & ~1L);
                assertTrue(entries <= (long) shape.rows() * room.tabn(), what + ": unit " + unit + "'s merged tables take "
                        + entries + " entries, room for " + shape.rows() * room.tabn());
            }
        }
    }

    @Test
    void wideInt8RowsStreamWithTheWideShape() {
        int h200 = 232448 - 1024;
        for (int k : new int[] {14336, 18944}) {  // a Llama-8B's and a Qwen2.5-7B's down projection
            int stride = (k + 15) / 16 * 16;
            assertEquals(GptqStream.INT8_WIDE, GptqStream.fitting(8, k, stride, k / 128, 128, false, h200, true), "k " + k);
        }
        assertEquals(GptqStream.INT8, GptqStream.fitting(8, 13696, 13696, 107, 128, false, h200, true));
        assertEquals(GptqStream.INT8_WIDE, GptqStream.fitting(8, 13696, 13696, 107, 128, false, h200, false));
        assertEquals(null, GptqStream.fitting(8, 65536, 65536, 512, 128, true, h200, true), "too wide for either: gptq_matvec.cu");
    }

    @Test
    void qwen15FourteenBFitsTheH200() {
        int h200 = 232448 - 1024;  // opt-in shared memory per block, less the kernels' static arrays (Kernels)
        for (int bits : new int[] {8, 4}) {
            for (int gsz : new int[] {128, 0}) {
                for (int[] kn : new int[][] {{5120, 1}, {13696, 0}}) {  // {inputs, normed}: qkv/gate-up, down
                    int k = kn[0];
                    int smem = GptqStream.smem(bits, k, ((k * bits / 8) + 15) / 16 * 16, k / 128, gsz, kn[1] == 1);
                    assertTrue(smem <= h200, "int" + bits + " k " + k + " group " + gsz + ": " + smem + " bytes");
                }
            }
        }
    }
}

package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * AttentionBlocks' launch against kernels/attention_blocks.cu (no GPU needed): every kernel it loads is instantiated,
 * the shared memory it sizes is the kernel's block_smem layout, its threads cover a split's keys and a head's columns,
 * and the variant property takes only its names.
 */
class AttentionBlocksTest {
    private static final Path SOURCE = Path.of("..", "kernels", "attention_blocks.cu");  // from the module's directory

    @Test
    void everyKernelIsInstantiated() throws IOException {
        String src = Files.readString(SOURCE);
        for (String mode : new String[] {"attention_blocks", "attention_blocks_rope"}) {
            for (String kv : new String[] {"", "_bf16", "_fp8e4m3", "_fp8e5m2"}) {
                assertTrue(src.contains("INV_ATTENTION_BLOCKS(" + mode + kv + ", inv::"), mode + kv);
                String cluster = mode.replace("blocks", "cluster") + kv;
                assertTrue(src.contains("INV_ATTENTION_CLUSTER(" + cluster + ", inv::"), cluster);
            }
        }
        assertTrue(src.contains("#define ATTENTION_CLUSTER " + AttentionBlocks.CLUSTER + "\n"), "cluster size");
    }

    @Test
    void sharedMemoryIsTheKernelsLayout() throws IOException {
        String src = Files.readString(SOURCE);
        // block_smem: key rows, value rows, q, e_j, 32 maxima, then the offsets; key_stride in attention_split.cuh
        String layout = String.join("\n", "    m.v = m.k + SPLIT * key_stride(headDim);", "    m.q = m.v + SPLIT * headDim;",
                "    m.e = m.q + headDim;", "    m.red = m.e + SPLIT;",
                "    m.offs = reinterpret_cast<int*>(m.red + 32);", "    m.rec = reinterpret_cast<float*>(m.offs + SPLIT);");
        assertTrue(src.contains(layout), "block_smem");
        assertEquals(4 * (64 * 132 + 64 * 128 + 128 + 64 + 32 + 64), AttentionBlocks.smem(128, false));
        assertEquals(4 * (64 * 19 + 64 * 18 + 18 + 64 + 32 + 64), AttentionBlocks.smem(18, false));  // scalar rows: + 1
        // cluster: + the cluster's records
        assertEquals(4 * (64 * 132 + 64 * 128 + 128 + 64 + 32 + 64 + 8 * 130), AttentionBlocks.smem(128, true));
        assertTrue(AttentionBlocks.smem(256, true) <= 232_448, "head_dim 256 fits an H200 block");
    }

    @Test
    void clusterGridsAreWholeClusters() {
        assertEquals(16, AttentionBlocks.groups(512, false));
        assertEquals(16, AttentionBlocks.groups(512, true));
        assertEquals(2, AttentionBlocks.groups(2, false));
        assertEquals(8, AttentionBlocks.groups(2, true));
        assertEquals(16, AttentionBlocks.groups(9, true));
    }

    @Test
    void threadsCoverKeysAndColumns() {
        assertEquals(128, AttentionBlocks.threads(18));
        assertEquals(128, AttentionBlocks.threads(128));
        assertEquals(160, AttentionBlocks.threads(130));
        assertEquals(256, AttentionBlocks.threads(256));
    }

    @Test
    void variants() {
        try {
            assertEquals(AttentionBlocks.AUTO, AttentionBlocks.variant());
            System.setProperty(AttentionBlocks.PROPERTY, "blocks-rope");
            assertEquals("blocks-rope", AttentionBlocks.variant());
            System.setProperty(AttentionBlocks.PROPERTY, "cluster");
            assertEquals("cluster", AttentionBlocks.variant());
            System.setProperty(AttentionBlocks.PROPERTY, "block");
            assertThrows(IllegalArgumentException.class, AttentionBlocks::variant);
        } finally {
            System.clearProperty(AttentionBlocks.PROPERTY);
        }
    }
}

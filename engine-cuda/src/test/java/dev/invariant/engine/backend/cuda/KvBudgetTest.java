package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import org.junit.jupiter.api.Test;

/** gpu_memory_utilization's arithmetic, no device needed: KV blocks = (fraction × total − in use) / bytes per block. */
class KvBudgetTest {
    private static final long GB = 1_000_000_000L;

    @Test
    void theCacheGetsWhatTheFractionLeavesInWholeBlocks() {
        // 0.9 of 100 GB = 90 GB; 30 GB in use leaves 60 GB = 60,000 blocks of 1 MB
        assertEquals(60_000, KvBudget.blocks(0.9, 100 * GB, 30 * GB, 1_000_000, Integer.MAX_VALUE));
        // one byte short of a whole block rounds down
        assertEquals(59_999, KvBudget.blocks(0.9, 100 * GB, 30 * GB + 1, 1_000_000, Integer.MAX_VALUE));
        assertEquals(1, KvBudget.blocks(1.0, 10, 0, 10, Integer.MAX_VALUE));
    }

    @Test
    void theKernelsIndexLimitCapsTheBlocks() {
        assertEquals(1000, KvBudget.blocks(0.95, 140 * GB, GB, 1024, 1000));
    }

    @Test
    void theSeedReportsSettingOnAnH200() {
        // Qwen1.5-14B: 40 layers, 40 kv heads of 128; an fp8 block of 16 positions = 2 x 40 x 16 x 5120 bytes
        ModelConfig c = SyntheticPreset.named("qwen1.5-14b").config();
        long perBlock = CudaForward.kvBytes(c, 1, 16, KvCacheDtype.FP8_E5M2);
        assertEquals(2L * 40 * 16 * 5120, perBlock);
        int blocks = KvBudget.blocks(0.95, 150_000_000_000L, 17 * GB, perBlock, Integer.MAX_VALUE);
        assertEquals((long) ((0.95 * 150e9 - 17e9) / perBlock), blocks);
        assertTrue(blocks * 16L >= 10_000, "max_model_len=10000 fits: " + blocks * 16L + " tokens");
    }

    @Test
    void nothingLeftIsRefusedNamingWhatToChange() {
        EngineException e = assertThrows(EngineException.class, () -> KvBudget.blocks(0.5, 100 * GB, 50 * GB,
                1_000_000, Integer.MAX_VALUE));
        assertEquals("gpu_memory_utilization", e.param());
        assertTrue(e.getMessage().contains("50.00 GB of the GPU's 100.00 GB") && e.getMessage().contains("raise"
                + " gpu_memory_utilization"), e.getMessage());
        assertThrows(EngineException.class, () -> KvBudget.blocks(0.5, 100 * GB, 49_999_999_999L, 2, 10));
    }
}

package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * attention.cu's shared-memory layout sized per step ({@code attention-smem=step}, no GPU needed): the splits it holds
 * cover every token of the step, come from few distinct values (each a decode graph), and the kernel lays out its
 * shared memory from the argument it is given, not from a capacity of its own.
 */
class AttentionLayoutTest {
    private static final Path SOURCE = Path.of("..", "kernels", "attention.cu");  // from the module's directory

    @Test
    void aStepsLayoutHoldsEveryOneOfItsSplitsAndNoMoreThanTheCapacity() {
        for (int maxSplits : new int[] {1, 7, 8, 9, 44, 64, 157, 512}) {
            int previous = 0;
            var distinct = new java.util.TreeSet<Integer>();
            for (int maxEnd = 1; maxEnd <= maxSplits * AttentionKernels.SPLIT; maxEnd++) {
                int splits = AttentionKernels.stepSplits(maxEnd, maxSplits);
                // the last token sits at maxEnd - 1: its splits are (maxEnd - 1) / 64 + 1
                assertTrue(splits >= (maxEnd - 1) / AttentionKernels.SPLIT + 1, maxEnd + " of " + maxSplits);
                assertTrue(splits <= maxSplits, maxEnd + " of " + maxSplits);
                assertTrue(splits == maxSplits || (Integer.bitCount(splits) == 1
                        && splits >= AttentionKernels.MIN_STEP_SPLITS), splits + " for " + maxEnd);
                assertTrue(splits >= previous, "a longer context never takes a smaller layout");
                previous = splits;
                distinct.add(splits);
            }
            assertEquals(maxSplits, distinct.last(), "the longest context takes the capacity");
            assertTrue(distinct.size() <= 2 + 32 - Integer.numberOfLeadingZeros(maxSplits), distinct.toString());
        }
    }

    @Test
    void theKernelLaysOutItsSharedMemoryFromItsArguments() throws IOException {
        String src = Files.readString(SOURCE);
        String layout = String.join("\n", "    float* splitMax = (float*)(rowOff + warps * SPLIT);  // maxSplits",
                "    float* splitSum = splitMax + maxSplits;        // maxSplits",
                "    float* splitOut = splitSum + maxSplits;        // slots * headDim");
        assertTrue(src.contains(layout), "attention_body's layout");
        assertTrue(src.contains("if (splits <= slots) {"), "one pass when every split has a slot");
    }
}

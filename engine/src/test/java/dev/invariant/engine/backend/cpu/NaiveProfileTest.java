package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.SeqChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NAIVE lets the batch change a sequence's bits (what it exists to show); invalid input is rejected. */
class NaiveProfileTest {

    @Test
    void naiveLogitsDependOnTheBatchAndPortableOnesDoNot() {
        try (LoadedModel m = LoadedModel.open("stories260K")) {
            // One token alone: naive split-K cuts K = 64 into 4 pieces; beside 30 companion tokens it does not.
            int[] prompt = {1};
            for (NumericsProfile p : List.of(NumericsProfile.NAIVE, NumericsProfile.PORTABLE)) {
                float[] alone = runWithCompanions(m, p, prompt, 0);
                float[] batched = runWithCompanions(m, p, prompt, 15);
                boolean same = Arrays.equals(bits(alone), bits(batched));
                if (p == NumericsProfile.PORTABLE) assertArrayEquals(bits(alone), bits(batched));
                else assertFalse(same, "naive logits should change with the batch size");
            }
        }
    }

    private static float[] runWithCompanions(LoadedModel m, NumericsProfile p, int[] prompt, int companions) {
        try (CpuBackend be = new CpuBackend(m.model(), new CpuBackendConfig(2, 16, 64, p))) {
            List<SeqChunk> step = new ArrayList<>();
            step.add(new SeqChunk(0, prompt, 0, new int[] {0}, true));
            for (int i = 0; i < companions; i++) {
                step.add(new SeqChunk(i + 1, new int[] {1, 2 + i}, 0, new int[] {i + 1}, false));
            }
            return be.forward(step)[0];
        }
    }

    @Test
    void invalidStepsAreRejected() {
        try (LoadedModel m = LoadedModel.open("stories260K");
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(1, 4, 8))) {
            assertInvalid(be, List.of(new SeqChunk(0, new int[] {512}, 0, new int[] {0}, true)), "vocabulary");
            assertInvalid(be, List.of(new SeqChunk(0, new int[] {1, 2, 3, 4, 5}, 0, new int[] {0}, true)), "covers");
            assertInvalid(be, List.of(new SeqChunk(0, new int[] {1}, 0, new int[] {8}, true)), "block id");
            assertInvalid(be, List.of(new SeqChunk(0, new int[] {1}, 0, new int[] {0}, true),
                    new SeqChunk(0, new int[] {1}, 0, new int[] {1}, true)), "twice");
        }
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> new CpuBackendConfig(2, 16, 8, NumericsProfile.FAST)).code());
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class,
                () -> new CpuBackendConfig(0, 16, 8, NumericsProfile.PORTABLE)).code());
    }

    private static void assertInvalid(CpuBackend be, List<SeqChunk> step, String mentions) {
        EngineException e = assertThrows(EngineException.class, () -> be.forward(step));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals(true, e.getMessage().contains(mentions), e.getMessage());
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}

package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.numerics.FloatMath;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers from a second implementation of docs/sampling.md and of the exp of docs/numerics.md
 * (reference_sampler.py beside the vector files, written from the documents alone): if the two disagree,
 * either the code or a document is wrong.
 */
class SamplerVectorsTest {

    private static List<String[]> vectors(String name) throws IOException {
        var in = SamplerVectorsTest.class.getResourceAsStream(name);
        try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().filter(l -> !l.startsWith("#")).map(l -> l.split(" ")).toList();
        }
    }

    private static float f32(String hexBits) {
        return Float.intBitsToFloat(Integer.parseUnsignedInt(hexBits, 16));
    }

    @Test
    void expMatchesTheReferenceBitForBit() throws IOException {
        List<String[]> rows = vectors("exp-vectors.txt");
        assertTrue(rows.size() > 500);
        for (String[] row : rows) {
            float x = f32(row[0]);
            assertEquals(row[1], String.format("%08x", Float.floatToRawIntBits(FloatMath.exp(x))), "exp(" + x + ")");
        }
    }

    @Test
    void samplerMatchesTheReferenceOnEveryVector() throws IOException {
        List<String[]> rows = vectors("sampler-vectors.txt");
        assertTrue(rows.size() >= 150);
        for (int line = 0; line < rows.size(); line++) {
            String[] t = rows.get(line);
            int i = 0;
            float[] logits = new float[Integer.parseInt(t[i++])];
            for (int id = 0; id < logits.length; id++) logits[id] = f32(t[i++]);
            SamplingParams p = SamplingParams.builder().temperature(f32(t[i++])).topK(Integer.parseInt(t[i++]))
                    .topP(f32(t[i++])).minP(f32(t[i++])).repetitionPenalty(f32(t[i++]))
                    .presencePenalty(f32(t[i++])).frequencyPenalty(f32(t[i++])).build();
            long seed = Long.parseLong(t[i++]);
            int position = Integer.parseInt(t[i++]);
            int promptLength = Integer.parseInt(t[i++]);
            int[] history = new int[Integer.parseInt(t[i++])];
            for (int j = 0; j < history.length; j++) history[j] = Integer.parseInt(t[i++]);
            int expected = Integer.parseInt(t[i]);
            assertEquals(expected, Sampler.sample(logits, p, seed, position, history, promptLength), "vector " + line);
        }
    }
}

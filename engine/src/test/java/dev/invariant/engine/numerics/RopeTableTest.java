package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.model.RopeScaling;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RopeTableTest {

    @Test
    void tableHoldsCosAndSinOfTheContractAngles() {
        RopeTable t = new RopeTable(64, 1e6);
        t.ensure(3000);
        for (int pos : new int[] {0, 1, 63, 64, 2047, 2999}) {
            for (int i = 0; i < 32; i++) {
                double angle = pos * (1.0 / StrictMath.pow(1e6, (2.0 * i) / 64));
                // rounded once from the double value: within half a float ulp of the true cos/sin
                assertTrue(Math.abs(t.cos(pos, i) - Math.cos(angle)) <= Math.ulp(t.cos(pos, i)), "cos " + pos + "," + i);
                assertTrue(Math.abs(t.sin(pos, i) - Math.sin(angle)) <= Math.ulp(t.sin(pos, i)), "sin " + pos + "," + i);
            }
        }
        assertEquals(1f, t.cos(0, 5));
        assertEquals(0f, t.sin(0, 5));
    }

    @Test
    void rotationRoundsEachProductThenAdds() {
        RopeTable t = new RopeTable(8, 10000);
        t.ensure(100);
        SplittableRandom rnd = new SplittableRandom(9);
        for (int trial = 0; trial < 1000; trial++) {
            int pos = rnd.nextInt(100);
            float[] v = new float[10];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            float[] expected = v.clone();
            for (int i = 0; i < 4; i++) {
                float a = v[1 + i];
                float b = v[1 + i + 4];
                float c = t.cos(pos, i);
                float s = t.sin(pos, i);
                float ac = a * c;
                float bs = b * s;
                float bc = b * c;
                float as = a * s;
                expected[1 + i] = ac - bs;
                expected[1 + i + 4] = bc + as;
            }
            t.rotate(v, 1, pos);
            for (int i = 0; i < v.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(v[i]), "element " + i);
            }
        }
    }

    @Test
    void tableGrowsWithoutChangingEarlierRows() {
        RopeTable t = new RopeTable(16, 10000);
        t.ensure(10);
        float before = t.sin(9, 3);
        t.ensure(5000);
        assertEquals(Float.floatToRawIntBits(before), Float.floatToRawIntBits(t.sin(9, 3)));
    }

    @Test
    void llama3KeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        // Llama 3.1's settings: the bands lie at wavelengths 8192 / 4 and 8192 / 1 (the golden test has no high band)
        RopeTable plain = new RopeTable(128, 5e5);
        RopeTable scaled = new RopeTable(128, 5e5, RopeScaling.llama3(8, 1, 4, 8192));
        int[] bands = new int[3];
        for (int i = 0; i < 64; i++) {
            double f = plain.invFreq(i);
            double wavelen = 2 * Math.PI / f;
            if (wavelen < 2048) {
                assertEquals(f, scaled.invFreq(i), "kept " + i);
                bands[0]++;
            } else if (wavelen > 8192) {
                assertEquals(f / 8, scaled.invFreq(i), "divided " + i);
                bands[2]++;
            } else {
                assertTrue(scaled.invFreq(i) > f / 8 && scaled.invFreq(i) < f, "blended " + i);
                bands[1]++;
            }
        }
        assertTrue(bands[0] > 0 && bands[1] > 0 && bands[2] > 0, java.util.Arrays.toString(bands));
        RopeTable linear = new RopeTable(128, 5e5, RopeScaling.linear(4));
        for (int i = 0; i < 64; i++) assertEquals(plain.invFreq(i) / 4, linear.invFreq(i));
    }
}

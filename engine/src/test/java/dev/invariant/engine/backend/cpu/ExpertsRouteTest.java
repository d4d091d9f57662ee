package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.numerics.Softmax;
import org.junit.jupiter.api.Test;

/** The router's choice (docs/numerics.md §9.1): the k highest probabilities, ties to the lower index, weights. */
class ExpertsRouteTest {

    @Test
    void choosesTheHighestProbabilitiesAndReturnsThemByExpertIndex() {
        float[] logits = {0.5f, 2.0f, -1.0f, 1.5f};
        Experts.Route r = Experts.route(logits, 2, false);
        assertArrayEquals(new int[] {1, 3}, r.experts());
        float[] p = Softmax.apply(logits);
        assertArrayEquals(new float[] {p[1], p[3]}, r.weights());
    }

    @Test
    void renormalisedWeightsAreEachProbabilityOverTheChosenSum() {
        float[] logits = {0.25f, -0.75f, 1.0f, 3.0f, 0.0f};
        float[] p = Softmax.apply(logits);
        Experts.Route r = Experts.route(logits, 3, true);
        assertArrayEquals(new int[] {0, 2, 3}, r.experts());
        // the sum in the order chosen: highest first
        float sum = p[3] + p[2] + p[0];
        assertArrayEquals(new float[] {p[0] / sum, p[2] / sum, p[3] / sum}, r.weights());
    }

    @Test
    void tiesGoToTheLowerExpertIndex() {
        float[] logits = {1.0f, 2.0f, 2.0f, 2.0f, 0.0f};
        assertArrayEquals(new int[] {1, 2}, Experts.route(logits, 2, true).experts());
        assertArrayEquals(new int[] {0, 1, 2, 3}, Experts.route(logits, 4, true).experts());
        Experts.Route all = Experts.route(new float[] {0f, 0f}, 2, true);
        assertEquals(0.5f, all.weights()[0]);
        assertEquals(0.5f, all.weights()[1]);
    }
}

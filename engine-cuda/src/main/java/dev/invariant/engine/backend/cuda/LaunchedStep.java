package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.backend.StepBatch;
import jcuda.driver.CUevent;

/**
 * A step queued on the stream whose results the host has not read yet: its batch (which rows want logits), which
 * rows are greedy-only, the pinned buffer its greedy choices are copied into, and the event recorded after its
 * result copies (waiting for it waits for this step, not for a step queued behind it).
 */
record LaunchedStep(StepBatch batch, int chunks, boolean[] greedyOnly, CudaContext.Pinned greedyHost, CUevent done,
                    boolean graphed) {
}

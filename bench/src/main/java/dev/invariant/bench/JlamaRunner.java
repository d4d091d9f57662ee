package dev.invariant.bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Decode speed of Jlama on a model folder. Jlama has no batching across requests, and one model instance
 * cannot serve concurrent {@code generate} calls (in 0.8.4 they share scratch tensors and fail with
 * "BAD M"), so a "batch" of B is B generations served one after another, as a server holding one model
 * must: the figure is the B sequences' decode tokens over their summed decode time. Working memory and
 * activations are f32 (no activation quantisation), as in our engine.
 */
final class JlamaRunner {
    private JlamaRunner() {
    }

    static DecodeResult run(Path folder, String dtype, int batch, int threads, List<String> prompts, int decodeTokens)
            throws Exception {
        // Jlama's pool size is a static set once, before the model is loaded; its default is half the cores
        PhysicalCoreExecutor.overrideThreadCount(threads);
        AbstractModel model = ModelSupport.loadModel(folder.toFile(), DType.F32, DType.F32);
        int promptTokens = model.getTokenizer().encode(prompts.getFirst()).length;
        warmUp(model, prompts.getFirst(), promptTokens);
        long tokens = 0;
        long nanos = 0;
        long first = 0;
        for (int i = 0; i < batch; i++) {
            String prompt = prompts.get(i);
            int limit = model.getTokenizer().encode(prompt).length + decodeTokens;
            TokenClock clock = new TokenClock(1);
            model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, limit,
                    (text, ms) -> clock.token(0, System.nanoTime()));
            DecodeResult one = clock.result("jlama", dtype, threads, promptTokens);
            tokens += one.decodeTokens();
            nanos += one.decodeNanos();
            if (i == 0) first = one.firstTokenNanos();
        }
        return new DecodeResult("jlama", dtype, batch, threads, promptTokens, tokens, nanos, first);
    }

    /** A short generation first, so the measured one runs compiled code. */
    private static void warmUp(AbstractModel model, String prompt, int promptTokens) {
        model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, promptTokens + 4, (t, ms) -> { });
    }
}

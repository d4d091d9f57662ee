package dev.invariant.bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Decode speed of Jlama on a model folder. Jlama has no batching across requests: a "batch" of B is B
 * concurrent {@code generate} calls, each on its own thread, sharing Jlama's one compute pool (the way its
 * REST server serves concurrent requests); every call reads all weights for each of its tokens.
 * Working memory and activations are f32 (no activation quantisation), as in our engine.
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
        TokenClock clock = new TokenClock(batch);
        try (ExecutorService callers = Executors.newFixedThreadPool(batch)) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                int seq = i;
                String prompt = prompts.get(i);
                int limit = model.getTokenizer().encode(prompt).length + decodeTokens;
                calls.add(callers.submit(() -> model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, limit,
                        (text, ms) -> clock.token(seq, System.nanoTime()))));
            }
            for (Future<?> f : calls) f.get();
        }
        return clock.result("jlama", dtype, threads, promptTokens);
    }

    /** A short generation first, so the measured one runs compiled code. */
    private static void warmUp(AbstractModel model, String prompt, int promptTokens) {
        model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, promptTokens + 4, (t, ms) -> { });
    }

}

package dev.invariant.engine.backend;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.model.Model;

/**
 * A backend that can be chosen by name in {@link EngineConfig#backend()}, found with {@link java.util.ServiceLoader}
 * so that the engine itself depends on no device library: the CUDA backend lives in its own module and registers
 * itself in {@code META-INF/services/dev.invariant.engine.backend.BackendProvider}.
 */
public interface BackendProvider {

    /** The name users select it by ({@code cpu}, {@code cuda}). */
    String name();

    /** Builds the backend for a loaded model; fails with a message that says what to do when it cannot run here. */
    Backend open(Model model, EngineConfig config);
}

package dev.invariant.worker.openai;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.worker.engine.Generations;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;

/**
 * A client that closes its connection before its answer is complete (a timeout, a stopped stream) wants nothing
 * more: its requests are cancelled, so the engine drops them at its next step and frees their KV cache instead of
 * generating up to max_tokens for nobody, as vLLM aborts them. Each still ends as a completion, a CANCELLED error.
 * Until the answer starts, the server cancels the resource method's result when the connection closes
 * ({@code @Cancellable}, {@link #cancels}); a stream takes the connection's close over when it starts writing
 * ({@link #cancelsOnClose}: the response has one close handler, the server's until then).
 */
final class ClientGone {
    private ClientGone() {
    }

    /** {@code answer}, cancelling {@code runs} when it is cancelled. */
    static CompletionStage<Response> cancels(CompletionStage<Response> answer,
                                             List<CompletableFuture<Generations.Finished>> runs) {
        CompletableFuture<Response> f = answer.toCompletableFuture();
        f.whenComplete((r, e) -> {
            if (f.isCancelled()) cancel(runs);
        });
        return f;
    }

    /** From a stream's writer: cancels {@code runs} if the connection closes before the stream has ended. */
    static void cancelsOnClose(List<CompletableFuture<Generations.Finished>> runs) {
        var request = CurrentRequestManager.get();
        if (request == null) return;
        request.serverResponse().addCloseHandler(() -> cancel(runs));
        if (request.serverResponse().closed()) cancel(runs); // closed before the handler was set
    }

    private static void cancel(List<CompletableFuture<Generations.Finished>> runs) {
        runs.forEach(r -> r.cancel(false));
    }

    /** The error a run that ended without a result ends with: CANCELLED when it was cancelled. */
    static EngineException why(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof CancellationException
                ? new EngineException(ErrorCode.CANCELLED, "the client closed its connection before the answer was"
                        + " complete: the request was dropped")
                : new EngineException(ErrorCode.INTERNAL, "the request failed: " + cause, cause);
    }
}

package dev.invariant.cli;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.stack.EmbeddedStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The demo's comparison of profiles: the probe prompt sent in waves of growing load (alone, then among 3, 15 and 31
 * other requests), once to the portable worker and once to a worker running the {@code naive} profile (its own
 * requests topic and consumer group). Portable must give the probe one output; naive, like a conventional engine,
 * may not (docs/naive.md).
 */
final class LoadWaves {
    /** Requests topic of the demo's naive worker. */
    static final String NAIVE_REQUESTS = "invariant.requests.naive";
    static final int[] OTHERS = {0, 3, 15, 31};

    private LoadWaves() {
    }

    /** Creates the naive requests topic and starts a worker running the naive profile on it. */
    static WorkerProcess startNaiveWorker(Path root, EmbeddedStack stack, Map<String, String> portableProps, Path log) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(NAIVE_REQUESTS, Optional.of(1), Optional.empty()))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        var props = new java.util.LinkedHashMap<>(portableProps);
        props.put("invariant.profile", "naive");
        props.put("invariant.backend", "cpu"); // the CPU's naive: on the GPU stories260K barely diverges
        props.put("invariant.topics.requests", NAIVE_REQUESTS);
        props.put("mp.messaging.incoming.requests.group.id", "invariant-workers-naive");
        props.put("invariant.worker-id", "demo-worker-naive");
        return WorkerProcess.start(root, props, log, Duration.ofMinutes(10));
    }

    /** Sends the waves for one profile, each after the previous one is answered, and adds them to {@code s}. */
    static void run(Summary s, Workload w, String served, Numerics profile, int maxTokens) {
        SamplingParams greedy = SamplingParams.builder().maxTokens(maxTokens).build();
        Random rnd = new Random(7);
        for (int others : OTHERS) {
            List<Request> wave = new ArrayList<>();
            wave.add(new Request("wave" + others + "-probe", Prompt.text(DemoCommand.PROBE), greedy));
            for (int i = 0; i < others; i++) {
                String p = DemoCommand.STORIES.get(rnd.nextInt(DemoCommand.STORIES.size()));
                wave.add(new Request("wave" + others + "-load-" + i, Prompt.text(p),
                        SamplingParams.builder().maxTokens(4 + rnd.nextInt(2 * maxTokens)).build()));
            }
            Collections.shuffle(wave, rnd);
            String run = Long.toString(System.currentTimeMillis(), 36);
            List<InferenceRequest> records = new ArrayList<>();
            for (Request r : wave) {
                records.add(RequestRecords.of(new Request(profile + "-" + r.requestId() + "-" + run, r.prompt(), r.params()),
                        served, profile, false));
            }
            long t = System.nanoTime();
            List<Completion> got = w.sendAndAwait(records, null, 600, c -> {
                if (c.getRequestId().contains("-probe-")) System.out.println("  " + profile + "  " + CompletionJson.line(c));
            }, false);
            s.add(records.size(), got, (System.nanoTime() - t) / 1e9);
        }
    }
}

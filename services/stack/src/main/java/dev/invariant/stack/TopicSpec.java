package dev.invariant.stack;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A topic the stack creates when it starts (kept when it already exists), with topic-level configs (e.g.
 * {@code cleanup.policy=compact}). Topic names are not defined here: the services and tests that own them pass them in.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    // Kafka's own rule for topic names.
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public TopicSpec {
        if (name == null || !LEGAL.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new StackException("topic name '" + name + "' is not a legal Kafka topic name:"
                    + " use 1 to 249 characters from [a-zA-Z0-9._-]");
        }
        if (partitions < 1 || partitions > 10_000) {
            throw new StackException("topic " + name + ": partitions must be between 1 and 10000, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    public TopicSpec(String name, int partitions) {
        this(name, partitions, Map.of());
    }

    /** Parses {@code name} or {@code name:partitions} (one partition when not given), as typed on a command line. */
    public static TopicSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new StackException("empty topic: give NAME or NAME:PARTITIONS");
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return new TopicSpec(text.trim(), 1);
        }
        String count = text.substring(colon + 1).trim();
        try {
            return new TopicSpec(text.substring(0, colon).trim(), Integer.parseInt(count));
        } catch (NumberFormatException e) {
            throw new StackException("topic '" + text + "': partitions '" + count + "' is not a number;"
                    + " give NAME or NAME:PARTITIONS");
        }
    }
}

package dev.invariant.cli;

import dev.invariant.engine.EngineException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code invariant} command. Errors reach the user as "error: CODE: message", never as a stack trace. */
@Command(name = "invariant", mixinStandardHelpOptions = true, version = "invariant 0.1.0",
        description = "Kafka-native LLM inference whose answers are reproducible to the bit.",
        footer = {"", "The launcher also has: ./invariant build (build everything), ./invariant test (run every test, as CI does).",
                "Run './invariant COMMAND --help' for a command's options."},
        subcommands = {GenerateCommand.class, DemoCommand.class, StackCommand.class, ProduceCommand.class, VerifyCommand.class, AuditCommand.class,
                ConsumeCommand.class, ReplaySeedReportCommand.class, dev.invariant.cli.bench.BenchPipelineCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failed request or engine error, 2 usage). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main()).setOverwrittenOptionsAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof EngineException e) {
                cmd.getErr().println("error: " + e.describe());
            } else if (ex instanceof CliError e) {
                cmd.getErr().println("error: " + e.getMessage());
            } else {
                cmd.getErr().println("error: INTERNAL: " + ex);
                if (System.getenv("INVARIANT_DEBUG") != null) ex.printStackTrace(cmd.getErr());
                else cmd.getErr().println("(set INVARIANT_DEBUG=1 for the stack trace)");
            }
            return 1;
        });
        return cl.execute(args);
    }
}

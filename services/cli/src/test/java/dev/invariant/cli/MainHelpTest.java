package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/** {@code invariant --help} lists each command with one line: that line must be a whole sentence, not a cut one. */
class MainHelpTest {

    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        var commands = new CommandLine(new Main()).getSubcommands();
        assertTrue(commands.size() >= 9, "commands: " + commands.keySet());
        commands.forEach((name, cl) -> {
            UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
            // picocli's command list shows the header's first line, or the description's when there is no header
            String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
            assertTrue(lines.length > 0, name + " has no summary");
            String summary = lines[0].strip();
            assertTrue(summary.endsWith("."), name + "'s summary in the command list is cut: '" + summary + "'");
        });
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        var o = GenerateCommandTest.run("--help");
        for (String name : new CommandLine(new Main()).getSubcommands().keySet()) {
            assertTrue(o.out().contains("  " + name + " "), "help lacks " + name + ":\n" + o.out());
        }
    }
}

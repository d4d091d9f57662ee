package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * {@code invariant --help} lists each command with one line: that line must be a whole sentence, not a cut one; a
 * command's own help prints each description element as a line, so each must end a sentence.
 */
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
    void everyDescriptionLineEndsASentence() {
        // picocli starts each element of a description on a line of its own: an element that stops mid-sentence
        // prints as a ragged break inside the sentence ("... the topics" / "are created, ...")
        new CommandLine(new Main()).getSubcommands().forEach((name, cl) -> {
            for (String line : cl.getCommandSpec().usageMessage().description()) {
                String l = line.strip().replaceAll("(%n)+$", ""); // picocli's own help command ends with %n
                assertTrue(l.endsWith(".") || l.endsWith(".)") || l.endsWith(":"),
                        name + "'s --help breaks a sentence after: '" + l + "'");
            }
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

package dev.invariant.worker.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/** Files of the repository the configuration tests compare: the docs' tables, properties files, the compose file. */
final class RepoFiles {
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|(.*)$");

    private RepoFiles() {
    }

    /** The repository root: the nearest folder above the working directory holding docker-compose.yml. */
    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("docker-compose.yml")) && Files.isDirectory(d.resolve("services"))) return d;
        }
        throw new IllegalStateException("no docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    static String read(String relative) {
        try {
            return Files.readString(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The rows of the tables under the {@code ## } heading starting with {@code section} in a markdown file: first
     * cell (a {@code `name`}) → the remaining cells.
     */
    static Map<String, List<String>> table(String markdown, String section) {
        var rows = new LinkedHashMap<String, List<String>>();
        boolean in = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) in = line.substring(3).startsWith(section);
            var m = ROW.matcher(line);
            if (in && m.matches()) {
                var cells = new ArrayList<String>();
                for (String c : m.group(2).split("\\|", -1)) cells.add(c.trim());
                rows.put(m.group(1), cells);
            }
        }
        if (rows.isEmpty()) throw new AssertionError("no table under '## " + section + "'");
        return rows;
    }

    /** Keys of a properties file, plus keys shown commented out ({@code # key=}) as optional settings. */
    static List<String> propertyKeys(String relative) {
        var p = new Properties();
        try {
            p.load(new java.io.StringReader(read(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var keys = new ArrayList<String>(p.stringPropertyNames());
        for (String line : read(relative).split("\n")) {
            var m = Pattern.compile("^#\\s*([a-z][\\w.-]+)=\\s*$").matcher(line.trim());
            if (m.matches()) keys.add(m.group(1));
        }
        return keys;
    }

    /** SmallRye Config's environment variable for a property name. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }
}

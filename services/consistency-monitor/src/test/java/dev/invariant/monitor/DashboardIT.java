package dev.invariant.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real Chromium (Debian's chromium + chromium-driver, headless): it loads, its numbers change
 * when completions are produced, an injected divergence appears in the list, and its view shows both outputs with
 * the first differing token marked, and nothing is logged as an error in its console. Saves {@code target/dashboard.png} and {@code target/dashboard-divergence.png}
 * ({@code docs/} too with {@code -Dinvariant.screenshots=docs}).
 */
class DashboardIT {
    static final Path CHROMIUM = Path.of(System.getProperty("invariant.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("invariant.chromedriver", "/usr/bin/chromedriver"));
    final MonitorFixture f = MonitorFixture.get();
    WebDriver browser;

    @BeforeEach
    void open() {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "Chromium is needed: apt-get install"
                + " -y chromium chromium-driver (or set -Dinvariant.chromium and -Dinvariant.chromedriver)");
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1500");
        var logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString())).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void close() {
        if (browser != null) browser.quit();
    }

    @Test
    void liveNumbersAndADivergenceSideBySide() throws Exception {
        browser.get(f.a.http("/").toString());
        var wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200));
        wait.until(d -> d.findElement(By.id("status")).getAttribute("class").contains("live"));
        long before = number("completions");

        String run = Long.toString(System.nanoTime(), 36);
        String probe = Completions.fingerprint(run + "-probe");
        for (int i = 0; i < 6; i++) {
            f.send(Completions.of(run + "-p" + i, probe, List.of(9, 8, 7, 6), " The end.", "portable", "cpu", "w" + i % 2, 40 + 10 * i));
        }
        wait.until(d -> number("completions") == before + 6);

        String divergent = Completions.fingerprint(run + "-divergent");
        var same = List.of(450, 312, 17, 88, 301, 5, 77, 102, 33, 4);
        var other = List.of(450, 312, 17, 88, 301, 5, 91, 102, 33, 4);
        f.send(Completions.of(run + "-x0", divergent, same, "Once upon a time, there was a little dog named Max.",
                "portable", "cpu", "worker-1", 120));
        // Seen before the other one (different request ids can be processed in either order).
        wait.until(d -> number("completions") == before + 7);
        f.send(Completions.of(run + "-x1", divergent, other, "Once upon a time, there was a little cat named Max.",
                "naive", "cuda", "gpu-worker-2", 95));
        String prefix = divergent.substring(0, 16);
        wait.until(d -> d.findElement(By.id("divergences-list")).getText().contains(prefix));
        // The list and the counter are separate pushes: wait for the counter too (a timeout fails the test).
        wait.until(d -> number("divergent") >= 1);
        Thread.sleep(1500); // let the charts draw a few pushes
        screenshot("dashboard.png");

        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
            d.findElements(By.cssSelector("#divergences-list tbody tr")).stream()
                    .filter(r -> r.getText().contains(prefix)).findFirst().orElseThrow().click();
            return true;
        });
        WebElement marked = wait.until(d -> d.findElement(By.cssSelector("#detail .actual .tok.diff")));
        // Token texts from the real stories260K tokenizer (the monitor's models dir), spaces shown as '·'.
        assertEquals(visible(91), marked.getText());
        assertEquals("position 6, token id 91", marked.getAttribute("title"));
        assertEquals(visible(77), browser.findElement(By.cssSelector("#detail .expected .tok.diff")).getText());
        assertEquals("c", browser.findElement(By.cssSelector("#detail .actual .text mark")).getText());
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("document.getElementById('detail').scrollIntoView()");
        screenshot("dashboard-divergence.png");

        // Lookup by request id.
        browser.findElement(By.id("lookup-id")).sendKeys(run + "-p3");
        browser.findElement(By.cssSelector("#lookup button")).click();
        wait.until(d -> d.findElement(By.id("detail")).getText().contains(probe));

        // What a user with the console open would see: a failed request (say /favicon.ico) or a script error. A
        // dropped live stream is left out: EventSource reconnects by itself and the page says so in its status.
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage)
                .filter(m -> !m.contains("/api/stream")).toList();
        assertEquals(List.of(), errors, "errors in the dashboard's console");
    }

    private long number(String id) {
        return Long.parseLong(browser.findElement(By.id(id)).getText().replace(",", ""));
    }

    private static String visible(int id) {
        try (var t = dev.invariant.engine.text.Tokenizer.load(Path.of(System.getProperty("invariant.shared"), "models",
                "stories260K"))) {
            return new dev.invariant.engine.text.TokenTexts(t).apply(id).replace(' ', '\u00b7').replace('\n', '\u21b5');
        }
    }

    // Always into target/; into docs/ only when asked (-Dinvariant.screenshots=docs), so test runs leave the checkout clean.
    private void screenshot(String name) throws Exception {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        if ("docs".equals(System.getProperty("invariant.screenshots"))) {
            Path docs = Path.of(System.getProperty("invariant.root", "../..")).resolve("docs");
            Files.createDirectories(docs);
            Files.copy(shot.toPath(), docs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Plots a soak from the CSV that {@code ./invariant bench-pipeline --series FILE} writes: the worker's RSS, the p50 and
 * p99 latency of each window and the machine's 1-minute load, one panel each over the run's minutes, and prints the
 * RSS slope (least squares, MB per hour) over the whole run and after the first 10 minutes; where the series has the
 * worker's live heap (after its last major collection), that too, in the RSS panel, with each value it took. Plain
 * Java (java.awt, headless), no dependency:
 *
 * <pre>java bench/soak/SoakPlot.java /work/soak/series.csv docs/soak-rss.png</pre>
 */
public class SoakPlot {
    record Row(double minute, double p50, double p99, double rss, double load, double live) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java bench/soak/SoakPlot.java SERIES.csv OUT.png");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(",");
            if (!f[0].equals("pipeline")) continue; // the header and the bare round trip's lines
            rows.add(new Row(Double.parseDouble(f[1]) / 60, Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Double.parseDouble(f[7]), Double.parseDouble(f[8]),
                    f.length > 9 ? Double.parseDouble(f[9]) : Double.NaN)); // live_mb: series since 2026-12-04
        }
        if (rows.size() < 2) {
            System.err.println("SoakPlot: fewer than 2 pipeline lines in " + args[0]);
            System.exit(1);
        }
        double all = slopePerHour(rows, 0);
        double settled = slopePerHour(rows, 10);
        String summary = String.format(Locale.ROOT, "RSS %.0f MB first, %.0f MB max, %.0f MB last; slope %+.1f MB/h"
                        + " (whole run), %+.1f MB/h (after minute 10)", rows.getFirst().rss(),
                rows.stream().mapToDouble(Row::rss).max().orElseThrow(), rows.getLast().rss(), all, settled);
        // The live heap changes only at a major collection: each value it took, from the window that first showed it
        // (a slope over such steps would mean little).
        var steps = new StringBuilder();
        double seen = Double.NaN;
        for (Row r : rows) {
            if (!(r.live() > 0) || r.live() == seen) continue;
            seen = r.live();
            steps.append(String.format(Locale.ROOT, "%s%.1f MB (minute %.0f)", steps.isEmpty() ? "" : ", ", seen,
                    r.minute()));
        }
        String live = steps.isEmpty() ? "" : "; live heap after major GCs: " + steps;
        System.out.println(summary + live);

        int w = 1200, panel = 260, top = live.isEmpty() ? 50 : 66, gap = 40;
        int h = top + 3 * panel + 2 * gap + 50;
        var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("bench-pipeline soak: " + Path.of(args[0]).getFileName(), 70, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(summary, 70, 43);
        if (!live.isEmpty()) g.drawString(live.substring(2), 70, 59);
        double xMax = rows.getLast().minute();
        int y0 = top + 10;
        if (live.isEmpty()) {
            plot(g, rows, xMax, y0, panel, w, "worker RSS (MB)", false, new Color(0x1f77b4), null, Row::rss);
        } else {
            plot(g, rows, xMax, y0, panel, w, "worker memory (MB): RSS blue, live heap after the last major GC orange",
                    false, new Color(0x1f77b4), new Color(0xff7f0e), Row::rss,
                    r -> r.live() > 0 ? r.live() : Double.NaN);
        }
        plot(g, rows, xMax, y0 + panel + gap, panel, w, "latency per window (ms, log scale): p50 blue, p99 orange",
                true, new Color(0x1f77b4), new Color(0xff7f0e), Row::p50, Row::p99);
        plot(g, rows, xMax, y0 + 2 * (panel + gap), panel, w, "machine load (1-min average, 2 cores)", false,
                new Color(0x2ca02c), null, Row::load);
        g.drawString("minutes", w / 2, h - 12);
        ImageIO.write(img, "png", Path.of(args[1]).toFile());
    }

    interface Value {
        double of(Row r);
    }

    interface Scale {
        double at(double v);
    }

    /** One panel; {@code log}: a logarithmic axis from 1 to the next power of ten (latencies span decades). */
    private static void plot(Graphics2D g, List<Row> rows, double xMax, int y, int height, int w, String title,
                             boolean log, Color c1, Color c2, Value... series) {
        int x0 = 70, x1 = w - 30;
        double max = 0;
        for (Value v : series) for (Row r : rows) if (Double.isFinite(v.of(r))) max = Math.max(max, v.of(r));
        double yMax = log ? Math.max(1, Math.ceil(Math.log10(Math.max(max, 10)))) : niceCeiling(max);
        Scale scale = v -> log ? Math.log10(Math.max(v, 1)) / yMax : v / yMax;
        g.setColor(Color.BLACK);
        g.drawString(title, x0, y - 4);
        g.setColor(new Color(0xdddddd));
        int ticks = log ? (int) yMax : 4;
        for (int i = 0; i <= ticks; i++) {
            int yy = y + height - i * height / ticks;
            g.drawLine(x0, yy, x1, yy);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.0f", log ? Math.pow(10, i) : yMax * i / 4), 10, yy + 5);
            g.setColor(new Color(0xdddddd));
        }
        for (int m = 0; m <= xMax; m += 10) {
            int xx = x0 + (int) ((x1 - x0) * m / xMax);
            g.drawLine(xx, y, xx, y + height);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.valueOf(m), xx - 5, y + height + 14);
            g.setColor(new Color(0xdddddd));
        }
        g.setStroke(new BasicStroke(2f));
        Color[] colors = {c1, c2};
        for (int s = 0; s < series.length; s++) {
            g.setColor(colors[s]);
            int px = -1, py = -1;
            for (Row r : rows) {
                double v = series[s].of(r);
                if (!Double.isFinite(v)) continue;
                int xx = x0 + (int) ((x1 - x0) * r.minute() / xMax);
                int yy = y + height - (int) (height * scale.at(v));
                if (px >= 0) g.drawLine(px, py, xx, yy);
                px = xx;
                py = yy;
            }
        }
        g.setStroke(new BasicStroke(1f));
        g.setColor(Color.BLACK);
        g.drawRect(x0, y, x1 - x0, height);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    private static double niceCeiling(double v) {
        if (v <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= v) return m * p;
        return 10 * p;
    }

    /** Least-squares slope of RSS over time, MB per hour, over the rows from {@code fromMinute} on. */
    private static double slopePerHour(List<Row> rows, double fromMinute) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Row r : rows) {
            if (r.minute() < fromMinute || !Double.isFinite(r.rss())) continue;
            n++;
            sx += r.minute();
            sy += r.rss();
            sxx += r.minute() * r.minute();
            sxy += r.minute() * r.rss();
        }
        if (n < 2) return Double.NaN;
        return 60 * (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }
}

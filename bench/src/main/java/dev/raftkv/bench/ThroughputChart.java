package dev.raftkv.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The chart of the side-by-side run as a PNG: one panel per workload, ops/s over the number of
 * clients (evenly spaced, as 1, 16, 64, 256 would crowd a linear axis), one line per system.
 * Drawn with java.awt on a {@link BufferedImage}; needs no display (set {@code java.awt.headless}).
 */
final class ThroughputChart {

    static final int WIDTH = 1500;
    static final int HEIGHT = 560;
    private static final Color[] COLORS = {new Color(0x59, 0x59, 0x59), new Color(0x1f, 0x77, 0xb4),
        new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c), new Color(0xd6, 0x27, 0x28),
        new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b)};
    private static final int MARGIN_TOP = 70;
    private static final int MARGIN_BOTTOM = 110;
    private static final int PANEL_GAP = 40;
    private static final int AXIS_LEFT = 70;

    private ThroughputChart() {
    }

    /** Draws the chart of {@code results} under {@code title} and writes it to {@code png}. */
    static void write(Results results, String title, Path png) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(title, 20, 32);
            List<Workload> workloads = results.workloads();
            int panelWidth = (WIDTH - 20 - PANEL_GAP * (workloads.size() - 1)) / workloads.size();
            for (int i = 0; i < workloads.size(); i++) {
                panel(g, results, workloads.get(i), 10 + i * (panelWidth + PANEL_GAP), panelWidth);
            }
            legend(g, results.systems());
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    private static void panel(Graphics2D g, Results results, Workload workload, int left, int width) {
        List<Integer> clients = results.clients();
        double max = 0;
        for (String system : results.systems()) {
            for (int c : clients) {
                Optional<Point> point = results.find(system, workload, c);
                if (point.isPresent()) {
                    max = Math.max(max, point.get().opsPerSecond());
                }
            }
        }
        double step = niceStep(max / 5);
        double top = Math.max(step, Math.ceil(max / step) * step);
        int plotLeft = left + AXIS_LEFT;
        int plotRight = left + width - 10;
        int plotTop = MARGIN_TOP;
        int plotBottom = HEIGHT - MARGIN_BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString(workload.title() + " (ops/s)", plotLeft, plotTop - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics metrics = g.getFontMetrics();
        for (double tick = 0; tick <= top + step / 2; tick += step) {
            int y = yOf(tick, top, plotTop, plotBottom);
            g.setColor(new Color(0xe0, 0xe0, 0xe0));
            g.drawLine(plotLeft, y, plotRight, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%,.0f", tick);
            g.drawString(label, plotLeft - 6 - metrics.stringWidth(label), y + 4);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
        for (int i = 0; i < clients.size(); i++) {
            int x = xOf(i, clients.size(), plotLeft, plotRight);
            String label = Integer.toString(clients.get(i));
            g.drawString(label, x - metrics.stringWidth(label) / 2, plotBottom + 16);
        }
        String axis = "clients";
        g.drawString(axis, (plotLeft + plotRight - metrics.stringWidth(axis)) / 2, plotBottom + 32);

        List<String> systems = results.systems();
        for (int s = 0; s < systems.size(); s++) {
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(2.5f));
            int lastX = -1;
            int lastY = -1;
            for (int i = 0; i < clients.size(); i++) {
                Optional<Point> point = results.find(systems.get(s), workload, clients.get(i));
                if (point.isEmpty()) {
                    lastX = -1;
                    continue;
                }
                int x = xOf(i, clients.size(), plotLeft, plotRight);
                int y = yOf(point.get().opsPerSecond(), top, plotTop, plotBottom);
                if (lastX >= 0) {
                    g.drawLine(lastX, lastY, x, y);
                }
                g.fillOval(x - 4, y - 4, 9, 9);
                lastX = x;
                lastY = y;
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static void legend(Graphics2D g, List<String> systems) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        FontMetrics metrics = g.getFontMetrics();
        int x = 20 + AXIS_LEFT;
        int y = HEIGHT - 40;
        for (int s = 0; s < systems.size(); s++) {
            int itemWidth = 40 + metrics.stringWidth(systems.get(s)) + 30;
            if (x + itemWidth > WIDTH - 10) {
                x = 20 + AXIS_LEFT;
                y += 22;
            }
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(3f));
            g.drawLine(x, y - 5, x + 30, y - 5);
            g.fillOval(x + 11, y - 9, 9, 9);
            g.setColor(Color.BLACK);
            g.drawString(systems.get(s), x + 40, y);
            x += itemWidth;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static int xOf(int index, int count, int left, int right) {
        return count == 1 ? (left + right) / 2 : left + 30 + (int) Math.round((right - left - 60) * index / (double) (count - 1));
    }

    private static int yOf(double value, double top, int plotTop, int plotBottom) {
        return plotBottom - (int) Math.round((plotBottom - plotTop) * value / top);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough} (and at least 1). */
    static double niceStep(double rough) {
        if (!(rough > 1)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double factor : new double[] {1, 2, 5, 10}) {
            if (factor * power >= rough) {
                return factor * power;
            }
        }
        return 10 * power;
    }
}

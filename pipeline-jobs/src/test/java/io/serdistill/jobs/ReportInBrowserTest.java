package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The demo run's report/index.html opened in a real headless chromium at the widths people read it at: every image
 * loads, nothing is wider than the window, the page loads nothing but its own files, and a full-page screenshot per
 * width lands in target/report-screenshots/ for a person (or CI's artifacts) to look at. Without chromium on PATH
 * the test fails: CI (.ci/run) installs Debian's package first. The cross-run page of {@code ser report} gets the same
 * checks.
 */
class ReportInBrowserTest {
    static final List<Integer> WIDTHS = List.of(1280, 1920);

    @Test
    void reportRendersInChromiumAtLaptopAndDesktopWidths() throws Exception {
        Path report = Path.of(java.net.URI.create(DemoRun.get().runDir(DemoRun.RUN_ID))).resolve("report");
        checkInChromium(report.resolve("index.html"), "report", 10);
    }

    /** The cross-run page (ser report) of two runs, in the same browser checks; screenshots cross-run-{width}.png. */
    @Test
    void crossRunPageRendersInChromiumAtLaptopAndDesktopWidths() throws Exception {
        checkInChromium(CrossRunReportTest.page(), "cross-run", 4);
    }

    /**
     * Opens {@code index} at each of {@link #WIDTHS}: more than {@code minImages} images, all loaded, nothing wider
     * than the window, nothing loaded from elsewhere; saves target/report-screenshots/{name}-{width}.png.
     */
    private static void checkInChromium(Path index, String name, int minImages) throws Exception {
        Path chromium = HeadlessChromium.find();
        assertNotNull(chromium, "chromium is not on PATH: install it (Debian: apt-get install -y chromium), as .ci/run does");
        String html = Files.readString(index);
        // No absolute or protocol-relative address anywhere: every chart is a file next to the page.
        Matcher remote = Pattern.compile("(?i)https?://|(src|href)\\s*=\\s*\"//|url\\(\\s*['\"]?//").matcher(html);
        assertFalse(remote.find(), () -> "the page is self-contained, yet has " + remote.group());
        Path out = Path.of(System.getProperty("basedir", ".")).resolve("target/report-screenshots");
        Files.createDirectories(out);
        List<String> problems = new ArrayList<>();
        try (HeadlessChromium browser = HeadlessChromium.start(chromium)) {
            for (int width : WIDTHS) {
                HeadlessChromium.Page page = browser.open(index.toUri().toString(), width, 1000);
                JsonNode images = page.evaluate("Array.from(document.images).map(i => ({src: i.getAttribute('src'),"
                        + " ok: i.complete && i.naturalWidth > 0}))");
                assertTrue(images.size() > minImages, "the page has its charts: " + images);
                for (JsonNode img : images) {
                    if (!img.get("ok").asBoolean()) {
                        problems.add(width + " px: image " + img.get("src").asText() + " did not load");
                    }
                }
                int scrollWidth = page.evaluate("document.documentElement.scrollWidth").asInt();
                int innerWidth = page.evaluate("window.innerWidth").asInt();
                assertEquals(width, innerWidth, "the viewport is the emulated width");
                if (scrollWidth > innerWidth) {
                    problems.add(width + " px: the page is " + scrollWidth + " px wide, wider than the window; widest: "
                            + page.evaluate("Array.from(document.querySelectorAll('body *')).map(e => [e.tagName"
                                    + " + (e.getAttribute('src') ? ' ' + e.getAttribute('src') : ''),"
                                    + " Math.round(e.getBoundingClientRect().right)]).sort((a, b) => b[1] - a[1])"
                                    + ".slice(0, 3)"));
                }
                JsonNode foreign = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)"
                        + ".filter(n => !n.startsWith('file:'))");
                if (foreign.size() > 0) {
                    problems.add(width + " px: the page loaded non-local resources " + foreign);
                }
                byte[] png = page.screenshot();
                Files.write(out.resolve(name + "-" + width + ".png"), png);
                BufferedImage shot = ImageIO.read(new ByteArrayInputStream(png));
                assertNotNull(shot, "the screenshot is a PNG");
                assertEquals(width, shot.getWidth(), "the screenshot is as wide as the window");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}

package io.serdistill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ReportChartsTest {

    @Test
    void confusionHeatmapIsDarkestWhereTheRowConcentrates() throws Exception {
        long[][] counts = {{9, 1, 0, 0}, {0, 10, 0, 0}, {2, 2, 4, 2}, {0, 0, 0, 10}};
        BufferedImage img = decode(ReportCharts.confusion("m · en · test", List.of("neutral", "happy", "angry", "sad"), counts));
        assertEquals(ReportCharts.CONFUSION_WIDTH, img.getWidth());
        assertEquals(ReportCharts.CONFUSION_HEIGHT, img.getHeight());
        // The plot holds a 4x4 grid of cells: a cell with a full row share is much darker than an empty one.
        int darkest = Integer.MAX_VALUE;
        int lightest = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int blue = rgb & 0xff;
                int red = (rgb >> 16) & 0xff;
                if (blue > red + 60) {
                    darkest = Math.min(darkest, red);
                }
                lightest = Math.max(lightest, red);
            }
        }
        assertTrue(darkest < 40, "a full-share cell is dark blue, darkest red channel " + darkest);
        assertTrue(lightest > 240, "empty cells and background are near white");
    }

    @Test
    void barsAndCurvesHaveTheReportSize() throws Exception {
        Map<String, Map<String, Double>> ua = new LinkedHashMap<>();
        ua.put("student-ft-multi", Map.of("en", 0.6, "fi", 0.5));
        ua.put("student-mtkd-language", Map.of("en", 0.7, "fi", 0.55));
        BufferedImage bars = decode(ReportCharts.bars("UA", "UA", "language", ua));
        assertEquals(ReportCharts.WIDE_WIDTH, bars.getWidth());
        assertEquals(ReportCharts.WIDE_HEIGHT, bars.getHeight());
        SortedMap<Integer, Double> curve = new TreeMap<>(Map.of(1, 1.2, 2, 0.9, 3, Double.NaN, 4, 0.7));
        BufferedImage curves = decode(ReportCharts.curves("loss", "loss", Map.of("teacher-en", curve), Map.of("teacher-en", 4)));
        assertEquals(ReportCharts.WIDE_WIDTH, curves.getWidth());
        assertEquals(ReportCharts.WIDE_HEIGHT, curves.getHeight());
    }

    @Test
    void intervalsAndMatrixGrowWithTheirRows() throws Exception {
        BufferedImage intervals = decode(ReportCharts.intervals("UA · en", "UA", List.of(
                new ReportCharts.Estimate("teacher-en", 0.7, 0.6, 0.8),
                new ReportCharts.Estimate("student-ft-multi", 0.5, 0.4, 0.65)), Map.of("reference-linear-en", 0.45)));
        assertEquals(ReportCharts.INTERVALS_WIDTH, intervals.getWidth());
        assertEquals(ReportCharts.intervalsHeight(2), intervals.getHeight());
        double[][] ua = {{0.9, Double.NaN}, {0.1, 0.5}, {0.3, 0.3}};
        BufferedImage matrix = decode(ReportCharts.matrix("UA", List.of("teacher-en", "teacher-fi", "s"),
                List.of("en", "fi"), ua));
        assertEquals(ReportCharts.HEATMAP_WIDTH, matrix.getWidth());
        assertEquals(ReportCharts.matrixHeight(3), matrix.getHeight());
        assertTrue(ReportCharts.matrixHeight(3) > ReportCharts.matrixHeight(2));
    }

    static BufferedImage decode(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(img != null, "decodes as an image");
        return img;
    }
}

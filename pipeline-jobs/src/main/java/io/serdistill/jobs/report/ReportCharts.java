package io.serdistill.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The run report's charts as PNG bytes, drawn with JFreeChart without a display (java.awt.headless). Plain data
 * in, no Spark, so they can be checked on their own. Sizes are in pixels.
 */
public final class ReportCharts {
    static {
        // Before any AWT class loads: drivers on cluster nodes have no display.
        System.setProperty("java.awt.headless", "true");
    }

    public static final int CONFUSION_WIDTH = 420;
    public static final int CONFUSION_HEIGHT = 400;
    public static final int WIDE_WIDTH = 900;
    public static final int WIDE_HEIGHT = 420;
    private static final Color EMPTY = new Color(247, 251, 255);
    private static final Color FULL = new Color(8, 48, 107);
    /** Tableau 10: distinct on white and for most colour-blind readers. */
    private static final Color[] PALETTE = {new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759),
        new Color(0x76b7b2), new Color(0x59a14f), new Color(0xedc948), new Color(0xb07aa1), new Color(0xff9da7),
        new Color(0x9c755f), new Color(0xbab0ac)};

    private ReportCharts() {}

    /**
     * A confusion matrix as a heatmap: rows are true classes (top to bottom), columns predicted classes; a cell's
     * colour is its share of the row (the class's recall on the diagonal), its text the utterance count.
     *
     * @param counts counts[true][predicted], square, one row per entry of {@code classes}
     */
    public static byte[] confusion(String title, List<String> classes, long[][] counts) {
        int k = classes.size();
        double[] x = new double[k * k];
        double[] y = new double[k * k];
        double[] share = new double[k * k];
        for (int t = 0; t < k; t++) {
            long row = 0;
            for (long c : counts[t]) {
                row += c;
            }
            for (int p = 0; p < k; p++) {
                x[t * k + p] = p;
                y[t * k + p] = t;
                share[t * k + p] = row == 0 ? 0 : (double) counts[t][p] / row;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("share of true class", new double[][] {x, y, share});
        String[] names = classes.toArray(String[]::new);
        SymbolAxis predicted = new SymbolAxis("predicted", names);
        SymbolAxis actual = new SymbolAxis("true", names);
        actual.setInverted(true);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(new BlueScale());
        XYPlot plot = new XYPlot(data, predicted, actual, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, 15);
        for (int i = 0; i < x.length; i++) {
            XYTextAnnotation a = new XYTextAnnotation(Long.toString(counts[(int) y[i]][(int) x[i]]), x[i], y[i]);
            a.setFont(font);
            a.setPaint(share[i] > 0.5 ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(a);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, CONFUSION_WIDTH, CONFUSION_HEIGHT);
    }

    /**
     * Grouped bars of a fraction in [0, 1]: one group per category (e.g. language), one bar per series (e.g.
     * model). Missing values leave a gap.
     *
     * @param values series → category → value, in display order
     */
    public static byte[] bars(String title, String valueLabel, String categoryLabel, Map<String, Map<String, Double>> values) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        values.forEach((series, byCategory) -> byCategory.forEach((category, v) -> data.addValue(v, series, category)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.getRangeAxis().setRange(0, 1);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, WIDE_WIDTH, WIDE_HEIGHT);
    }

    /**
     * One line per series (e.g. model) over epochs; NaN values (no dev split) are skipped.
     *
     * @param series series → epoch (1-based) → value
     */
    public static byte[] curves(String title, String valueLabel, Map<String, SortedMap<Integer, Double>> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, points) -> {
            XYSeries s = new XYSeries(name);
            points.forEach((epoch, v) -> {
                if (v != null && !v.isNaN()) {
                    s.add(epoch.doubleValue(), v.doubleValue());
                }
            });
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", valueLabel, data);
        XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, WIDE_WIDTH, WIDE_HEIGHT);
    }

    private static byte[] png(JFreeChart chart, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Linear white-to-dark-blue scale over [0, 1]. */
    private static final class BlueScale implements PaintScale, Serializable {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double f = Double.isNaN(value) ? 0 : Math.max(0, Math.min(1, value));
            return new Color(mix(EMPTY.getRed(), FULL.getRed(), f), mix(EMPTY.getGreen(), FULL.getGreen(), f),
                    mix(EMPTY.getBlue(), FULL.getBlue(), f));
        }

        private static int mix(int a, int b, double f) {
            return (int) Math.round(a + (b - a) * f);
        }
    }
}

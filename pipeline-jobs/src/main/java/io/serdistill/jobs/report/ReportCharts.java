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
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
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

    /** Small multiples: a row of four (three languages and "all") next to the model's name fits 1280 px. */
    public static final int CONFUSION_WIDTH = 240;
    public static final int CONFUSION_HEIGHT = 230;
    public static final int WIDE_WIDTH = 900;
    public static final int WIDE_HEIGHT = 420;
    /** One language's interval chart; two fit side by side at 1280 px, three at 1920 px. */
    public static final int INTERVALS_WIDTH = 560;
    public static final int HEATMAP_WIDTH = 560;
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
        double[][] share = new double[k][k];
        String[][] text = new String[k][k];
        for (int t = 0; t < k; t++) {
            long row = 0;
            for (long c : counts[t]) {
                row += c;
            }
            for (int p = 0; p < k; p++) {
                share[t][p] = row == 0 ? 0 : (double) counts[t][p] / row;
                text[t][p] = Long.toString(counts[t][p]);
            }
        }
        List<String> shortNames = classes.stream().map(c -> c.length() > 4 ? c.substring(0, 3) + "." : c).toList();
        return png(heatmap(title, 12, shortNames, "predicted", shortNames, "true", share, text, 12), CONFUSION_WIDTH,
                CONFUSION_HEIGHT);
    }

    /**
     * A matrix of fractions in [0, 1] as a heatmap with each cell's value as text, e.g. UA of every teacher
     * (rows) on every language (columns); NaN leaves a cell white with "-".
     *
     * @param values values[row][column]
     */
    public static byte[] matrix(String title, List<String> rows, List<String> columns, double[][] values) {
        return matrix(title, rows, columns, "language", values);
    }

    /** {@link #matrix(String, List, List, double[][])} with its own name for the columns (e.g. "run"). */
    public static byte[] matrix(String title, List<String> rows, List<String> columns, String columnLabel,
                                double[][] values) {
        String[][] text = new String[rows.size()][columns.size()];
        double[][] shown = new double[rows.size()][columns.size()];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                double v = values[r][c];
                text[r][c] = Double.isNaN(v) ? "-" : String.format("%.1f", 100 * v);
                shown[r][c] = Double.isNaN(v) ? 0 : v;
            }
        }
        return png(heatmap(title, 14, columns, columnLabel, rows, null, shown, text, 14), HEATMAP_WIDTH,
                matrixHeight(rows.size()));
    }

    /** The height of {@link #matrix} for {@code rows} rows. */
    public static int matrixHeight(int rows) {
        return 90 + 34 * rows;
    }

    private static JFreeChart heatmap(String title, int titleSize, List<String> columns, String columnLabel,
                                      List<String> rows, String rowLabel, double[][] share, String[][] text, int textSize) {
        int nr = rows.size();
        int nc = columns.size();
        double[] x = new double[nr * nc];
        double[] y = new double[nr * nc];
        double[] z = new double[nr * nc];
        for (int r = 0; r < nr; r++) {
            for (int c = 0; c < nc; c++) {
                x[r * nc + c] = c;
                y[r * nc + c] = r;
                z[r * nc + c] = share[r][c];
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("value", new double[][] {x, y, z});
        SymbolAxis across = new SymbolAxis(columnLabel, columns.toArray(String[]::new));
        SymbolAxis down = new SymbolAxis(rowLabel, rows.toArray(String[]::new));
        down.setInverted(true);
        Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        across.setTickLabelFont(tick);
        down.setTickLabelFont(tick);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(new BlueScale());
        XYPlot plot = new XYPlot(data, across, down, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, textSize);
        for (int i = 0; i < x.length; i++) {
            XYTextAnnotation a = new XYTextAnnotation(text[(int) y[i]][(int) x[i]], x[i], y[i]);
            a.setFont(font);
            a.setPaint(z[i] > 0.5 ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(a);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, titleSize), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** One model's value with its 95% interval, for {@link #intervals}. */
    public record Estimate(String label, double value, double low, double high) {}

    /**
     * One horizontal interval per model (point and 95% whiskers; top to bottom in list order) on a [0, 1] axis,
     * with vertical reference lines (e.g. the linear references' UA) labelled by name.
     */
    public static byte[] intervals(String title, String valueLabel, List<Estimate> estimates, Map<String, Double> lines) {
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        XYIntervalSeries s = new XYIntervalSeries("estimate");
        for (int i = 0; i < estimates.size(); i++) {
            Estimate e = estimates.get(i);
            s.add(e.value(), e.low(), e.high(), i, i, i);
        }
        data.addSeries(s);
        NumberAxis value = new NumberAxis(valueLabel);
        value.setRange(0, 1);
        SymbolAxis models = new SymbolAxis(null, estimates.stream().map(Estimate::label).toArray(String[]::new));
        models.setInverted(true);
        models.setGridBandsVisible(false);
        models.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(true);
        renderer.setDrawYError(false);
        renderer.setErrorStroke(new BasicStroke(2f));
        renderer.setErrorPaint(PALETTE[0]);
        renderer.setCapLength(8);
        renderer.setSeriesPaint(0, PALETTE[0]);
        renderer.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
        renderer.setDefaultLinesVisible(false);
        XYPlot plot = new XYPlot(data, value, models, renderer);
        plot.setOrientation(org.jfree.chart.plot.PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinesVisible(false);
        int i = 0;
        for (Map.Entry<String, Double> line : lines.entrySet()) {
            if (line.getValue() == null || line.getValue().isNaN()) {
                continue;
            }
            ValueMarker m = new ValueMarker(line.getValue(), i == 0 ? Color.GRAY : PALETTE[2],
                    new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            m.setLabel(line.getKey());
            m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            m.setLabelPaint(i == 0 ? Color.DARK_GRAY : PALETTE[2]);
            m.setLabelBackgroundColor(new Color(255, 255, 255, 210));
            // Labels of two lines go to opposite corners, so they do not overprint when the lines are close.
            m.setLabelAnchor(i == 0 ? RectangleAnchor.BOTTOM_LEFT : RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(i == 0 ? TextAnchor.BOTTOM_RIGHT : TextAnchor.TOP_RIGHT);
            plot.addDomainMarker(m);
            i++;
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, INTERVALS_WIDTH, intervalsHeight(estimates.size()));
    }

    /** The height of {@link #intervals} for {@code n} models. */
    public static int intervalsHeight(int n) {
        return 90 + 30 * n;
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
     * @param best series → its best (kept) epoch, marked with a filled circle on its line; may omit series
     */
    public static byte[] curves(String title, String valueLabel, Map<String, SortedMap<Integer, Double>> series,
                                Map<String, Integer> best) {
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
        // The best epochs: a second dataset of one point per series, drawn as a filled circle in the series' colour.
        XYSeriesCollection bestPoints = new XYSeriesCollection();
        XYLineAndShapeRenderer bestRenderer = new XYLineAndShapeRenderer(false, true);
        int index = 0;
        for (Map.Entry<String, SortedMap<Integer, Double>> e : series.entrySet()) {
            Color colour = PALETTE[index % PALETTE.length];
            renderer.setSeriesStroke(index, new BasicStroke(2f));
            renderer.setSeriesPaint(index, colour);
            XYSeries point = new XYSeries(e.getKey() + " best");
            Integer epoch = best.get(e.getKey());
            Double v = epoch == null ? null : e.getValue().get(epoch);
            if (v != null && !v.isNaN()) {
                point.add(epoch.doubleValue(), v.doubleValue());
            }
            bestPoints.addSeries(point);
            bestRenderer.setSeriesPaint(index, colour);
            bestRenderer.setSeriesShape(index, new java.awt.geom.Ellipse2D.Double(-6, -6, 12, 12));
            bestRenderer.setSeriesOutlinePaint(index, Color.BLACK);
            bestRenderer.setSeriesVisibleInLegend(index, false);
            index++;
        }
        bestRenderer.setUseOutlinePaint(true);
        plot.setRenderer(renderer);
        plot.setDataset(1, bestPoints);
        plot.setRenderer(1, bestRenderer);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle("filled circle: the epoch each model keeps (best dev UA)",
                new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
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

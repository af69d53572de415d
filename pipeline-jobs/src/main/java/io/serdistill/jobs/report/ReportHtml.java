package io.serdistill.jobs.report;

import io.serdistill.eval.ConfidenceInterval;

/** The HTML pieces the run report and the cross-run report share: escaping, images, the style sheet, verdict cells. */
final class ReportHtml {
    /** Both pages' style: images shrink to the window, tables and grids wrap instead of overflowing. */
    static final String STYLE = "body{font-family:sans-serif;margin:1.5em;max-width:1880px}"
            + "pre{background:#f6f8fa;padding:1em;overflow-x:auto}"
            + "img{border:1px solid #ddd;max-width:100%;height:auto;display:block}"
            + ".row{display:flex;flex-wrap:wrap;gap:12px}"
            + ".cm{display:grid;gap:4px;align-items:center}.cm .h{text-align:center;font-weight:bold}"
            + ".cm .m{font-weight:bold;overflow-wrap:anywhere}.cm img{width:100%}"
            + "table.t{border-collapse:collapse}table.t td,table.t th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
            + "td.better{background:#e6f4ea}td.worse{background:#fce8e6}";

    private ReportHtml() {}

    static String img(String file, String alt, int width, int height) {
        return "<img src=\"" + html(file) + "\" alt=\"" + html(alt) + "\" width=\"" + width + "\" height=\"" + height + "\">";
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A file name of letters, digits, '.', '_' and '-' only. */
    static String safe(String file) {
        return file.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The cells of one verdict: "a vs b", the difference and its reading (coloured by outcome), the utterances. */
    static String verdictCells(String a, String b, ConfidenceInterval.Interval d) {
        return "<td>" + html(a) + " vs " + html(b) + "</td><td class=\""
                + (d.low() > 0 ? "better" : d.high() < 0 ? "worse" : "same") + "\">"
                + html(PairedDifference.verdict(a, b, d)) + "</td><td>" + d.n() + "</td>";
    }
}

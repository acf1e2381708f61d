package io.robustbounds.report;

import static io.robustbounds.report.Format.html;
import static io.robustbounds.report.Format.number;
import static io.robustbounds.report.Format.percent;

import io.robustbounds.report.ReportData.Inputs;
import io.robustbounds.report.ReportData.Rank;
import io.robustbounds.report.ReportData.Summary;
import io.robustbounds.report.ReportJob.Figure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The report page: inline CSS, figures as base64 PNG, tables; nothing is loaded from elsewhere. */
final class HtmlReport {
    record Content(Inputs inputs, List<Summary> summary, List<Rank> ranks, List<Figure> figures, Map<String, String> png,
            List<List<String>> aggregate, Map<String, Object> provenance) {
    }

    private static final String CSS = """
            body { font: 15px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2em auto; max-width: 1100px; padding: 0 1em; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
            .note { background: #fff4e5; border-left: 4px solid #e8a33d; padding: 0.5em 0.8em; }
            table { border-collapse: collapse; font-size: 13px; margin: 0.8em 0; }
            th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; } th { background: #f2f2f2; }
            td.text, th.text { text-align: left; } tr.violations td.v { color: #b00; font-weight: bold; }
            figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { font-size: 13px; color: #444; max-width: 960px; } .meta { color: #666; font-size: 13px; }
            .scroll { overflow-x: auto; }
            """;

    private HtmlReport() {
    }

    static String render(Content c) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>robustbounds report</title>\n<style>\n")
                .append(CSS).append("</style>\n</head>\n<body>\n");
        Inputs in = c.inputs();
        b.append("<h1>robustbounds report</h1>\n<p class=\"meta\">").append(html(String.valueOf(c.provenance().get("created"))))
                .append(" · ").append(html(String.valueOf(c.provenance().get("tool")))).append(" · commit ")
                .append(html(String.valueOf(c.provenance().get("git_commit")))).append("<br>").append(in.rows()).append(" result rows, ")
                .append(in.models().size()).append(" model(s), bound modes: ").append(html(String.join(", ", in.modes().stream().map(Format::mode).toList())))
                .append("</p>\n<ul class=\"meta\">\n");
        for (int i = 0; i < in.paths().size(); i++) {
            b.append("<li><code>").append(html(in.labels().get(i))).append("</code>: ").append(html(in.paths().get(i))).append("</li>\n");
        }
        b.append("</ul>\n");
        if (in.modes().contains("paper")) {
            b.append("<p class=\"note\">Bounds of mode <b>paper (not a guarantee)</b> reproduce the published formulas, several of which are not "
                    + "valid in general (BOUNDS.md §3): they are estimates, not lower bounds one can rely on. Mode <b>sound</b> bounds are proven.</p>\n");
        }
        b.append("<h2 id=\"summary\">Summary</h2>\n");
        summary(b, c.summary(), in.cells());
        b.append("<h2 id=\"ranking\">Model selection</h2>\n");
        ranking(b, c.ranks(), in.modes());
        b.append("<h2 id=\"figures\">Figures</h2>\n");
        for (Figure f : c.figures()) {
            b.append("<figure id=\"").append(f.id()).append("\" class=\"plot\">\n<img id=\"img-").append(f.id()).append("\" alt=\"")
                    .append(html(f.title())).append("\" src=\"data:image/png;base64,").append(c.png().get(f.id())).append("\">\n<figcaption><b>")
                    .append(html(f.title())).append(".</b> ").append(html(f.caption())).append(" <a href=\"").append(f.id())
                    .append(".png\">PNG</a> · <a href=\"").append(f.id()).append(".svg\">SVG</a></figcaption>\n</figure>\n");
        }
        if (c.aggregate() != null) {
            b.append("<h2 id=\"aggregate\">Aggregate table</h2>\n<p class=\"meta\">As written by <code>aggregate</code> (exact medians); "
                    + "bound columns of mode paper are not guarantees.</p>\n<div class=\"scroll\"><table>\n<tr>");
            List<String> head = c.aggregate().get(0);
            head.forEach(h -> b.append("<th>").append(html(h)).append("</th>"));
            b.append("</tr>\n");
            int mode = head.indexOf("bound_mode");
            for (List<String> row : c.aggregate().subList(1, c.aggregate().size())) {
                b.append("<tr>");
                for (int i = 0; i < row.size(); i++) {
                    String v = i == mode ? Format.mode(row.get(i)) : row.get(i);
                    b.append("<td").append(i == mode || i == 0 ? " class=\"text\"" : "").append(">").append(html(v)).append("</td>");
                }
                b.append("</tr>\n");
            }
            b.append("</table></div>\n");
        }
        b.append("<p class=\"meta\">Provenance: <a href=\"_provenance.json\">_provenance.json</a>.</p>\n");
        // the render check: records every figure's decoded size in the page (headless test and curious readers)
        b.append("<ul id=\"render-check\" hidden></ul>\n<script>\nwindow.addEventListener('load', function () {\n"
                + "  var out = document.getElementById('render-check');\n"
                + "  document.querySelectorAll('figure.plot img').forEach(function (img) {\n"
                + "    var li = document.createElement('li');\n"
                + "    var ok = img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;\n"
                + "    li.setAttribute('data-figure', img.parentNode.id);\n"
                + "    li.setAttribute('data-rendered', ok ? 'yes' : 'no');\n"
                + "    li.textContent = img.parentNode.id + ' ' + img.naturalWidth + 'x' + img.naturalHeight;\n"
                + "    out.appendChild(li);\n"
                + "  });\n"
                + "  out.setAttribute('data-done', 'true');\n"
                + "});\n</script>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void summary(StringBuilder b, List<Summary> rows, boolean cells) {
        b.append("<p class=\"meta\">Per ").append(cells ? "cell" : "model").append(" and bound mode. Accuracy over labelled samples; FGS rate: "
                + "samples FGS flipped within [0, U]; violations: bound &gt; the norm of a real adversarial perturbation; ε and ‖η‖ over "
                + "the samples FGS flipped; deviations, best attack norm and tightness (bound ÷ best attack norm) against the smallest perturbation over the attacks run; medians by percentile_approx.</p>\n<div class=\"scroll\"><table>\n<tr><th class=\"text\">")
                .append(cells ? "cell" : "model").append("</th><th class=\"text\">bound mode</th>").append(cells ? "<th>models</th>" : "")
                .append("<th>n</th><th>accuracy</th><th>FGS rate</th><th>violations</th><th>bound mean</th><th>bound median</th>"
                        + "<th>ε mean</th><th>ε median</th><th>‖η‖ mean</th><th>deviation mean</th><th>deviation median</th>"
                        + "<th>best attack median</th><th>tightness median</th></tr>\n");
        for (Summary s : rows) {
            b.append("<tr").append(s.violations() > 0 ? " class=\"violations\"" : "").append("><td class=\"text\">").append(html(s.group()))
                    .append("</td><td class=\"text\">").append(html(Format.mode(s.mode()))).append("</td>");
            if (cells) {
                b.append("<td>").append(s.models()).append("</td>");
            }
            b.append("<td>").append(s.n()).append("</td><td>").append(percent(s.accuracy())).append("</td><td>").append(percent(s.fgsRate()))
                    .append("</td><td class=\"v\">").append(s.violations()).append("</td>");
            for (Double v : new Double[] {s.boundMean(), s.boundMedian(), s.epsMean(), s.epsMedian(), s.etaMean(), s.deviationMean(),
                    s.deviationMedian(), s.attackNormMedian(), s.tightnessMedian()}) {
                b.append("<td>").append(number(v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table></div>\n");
    }

    private static void ranking(StringBuilder b, List<Rank> ranks, List<String> modes) {
        Map<String, Integer> epsRank = ranks(ranks, Rank::epsMean);
        List<Map<String, Integer>> boundRanks = new ArrayList<>();
        for (String m : modes) {
            boundRanks.add(ranks(ranks, r -> r.boundMean().get(m)));
        }
        b.append("<p class=\"meta\">Rank 1 is the largest mean (the most robust by that measure); equal means share a rank. Sorted by the rank "
                + "of the mean FGS ε.</p>\n<div class=\"scroll\"><table id=\"ranking-table\">\n<tr><th class=\"text\">model</th><th>n</th>"
                + "<th>FGS rate</th><th>mean ε</th><th>rank by ε</th>");
        for (String m : modes) {
            b.append("<th>mean bound, ").append(html(Format.mode(m))).append("</th><th>rank</th>");
        }
        b.append("</tr>\n");
        List<Rank> sorted = new ArrayList<>(ranks);
        sorted.sort(Comparator.comparing((Rank r) -> epsRank.getOrDefault(r.model(), Integer.MAX_VALUE)).thenComparing(Rank::model));
        for (Rank r : sorted) {
            b.append("<tr><td class=\"text\">").append(html(r.model())).append("</td><td>").append(r.n()).append("</td><td>")
                    .append(percent(r.fgsRate())).append("</td><td>").append(number(r.epsMean())).append("</td><td>")
                    .append(rank(epsRank.get(r.model()))).append("</td>");
            for (int i = 0; i < modes.size(); i++) {
                b.append("<td>").append(number(r.boundMean().get(modes.get(i)))).append("</td><td>").append(rank(boundRanks.get(i).get(r.model())))
                        .append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table></div>\n");
    }

    private static String rank(Integer r) {
        return r == null ? "–" : String.valueOf(r);
    }

    /** Competition ranking, largest first: rank = 1 + the number of strictly larger values; models without a value get none. */
    static Map<String, Integer> ranks(List<Rank> ranks, Function<Rank, Double> value) {
        Map<String, Integer> out = new HashMap<>();
        for (Rank r : ranks) {
            Double v = value.apply(r);
            if (v == null || v.isNaN()) {
                continue;
            }
            int above = 0;
            for (Rank o : ranks) {
                Double w = value.apply(o);
                if (w != null && w > v) {
                    above++;
                }
            }
            out.put(r.model(), above + 1);
        }
        return out;
    }
}

package org.mofa4j.examples.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Small XChart line plots for the inspection report, encoded as PNG data URIs (the page loads nothing else). */
final class ReportCharts {
    /** One line: y over x; NaN points are left out. */
    record Line(String name, double[] x, double[] y, Color color, boolean dashed) {}

    private ReportCharts() {}

    /**
     * A PNG data URI of the lines, or null when no line has a finite point.
     *
     * @param yMin the y-axis minimum, or NaN for automatic
     */
    static String pngDataUri(String title, String yTitle, List<Line> lines, int width, int height, boolean legend,
            double yMin) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle("step")
                .yAxisTitle(yTitle).build();
        XYStyler st = chart.getStyler();
        st.setLegendVisible(legend);
        st.setLegendPosition(Styler.LegendPosition.InsideNE);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        st.setChartBackgroundColor(Color.WHITE);
        st.setChartPadding(4);
        st.setXAxisMin(0.0); // steps start at 1; a 0 origin gives round tick labels
        if (!Double.isNaN(yMin)) {
            chart.getStyler().setYAxisMin(yMin);
        }
        int added = 0;
        for (Line line : lines) {
            int k = 0;
            for (int i = 0; i < line.y().length; i++) {
                k += Double.isFinite(line.y()[i]) && Double.isFinite(line.x()[i]) ? 1 : 0;
            }
            if (k == 0) {
                continue;
            }
            double[] x = new double[k];
            double[] y = new double[k];
            for (int i = 0, j = 0; i < line.y().length; i++) {
                if (Double.isFinite(line.y()[i]) && Double.isFinite(line.x()[i])) {
                    x[j] = line.x()[i];
                    y[j++] = line.y()[i];
                }
            }
            XYSeries s = chart.addSeries(line.name(), x, y);
            s.setMarker(k == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            if (line.color() != null) {
                s.setLineColor(line.color());
                s.setMarkerColor(line.color());
            }
            s.setLineStyle(line.dashed()
                    ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {5f, 3f}, 0f)
                    : new BasicStroke(1.5f));
            added++;
        }
        if (added == 0) {
            return null;
        }
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: cannot encode the chart '" + title + "'", e);
        }
    }
}

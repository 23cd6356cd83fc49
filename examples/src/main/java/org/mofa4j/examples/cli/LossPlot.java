package org.mofa4j.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mofa4j.nn.train.MetricsLog;

/** Writes the train and validation loss curves of a run as a PNG. */
final class LossPlot {
    private LossPlot() {}

    static void write(MetricsLog metrics, Path png, String title) {
        XYChart chart = new XYChartBuilder().width(900).height(500).title("loss: " + title).xAxisTitle("step")
                .yAxisTitle("cross-entropy").build();
        MetricsLog.Curves curves = metrics.curves();
        addSeries(chart, "train", curves.train(), 1, false);
        addSeries(chart, "validation", curves.eval(), 2, true);
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("loss plot: cannot write " + png, e);
        }
    }

    private static void addSeries(XYChart chart, String name, List<double[]> rows, int column, boolean markers) {
        if (rows.isEmpty()) {
            return;
        }
        double[] x = new double[rows.size()];
        double[] y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i)[0];
            y[i] = rows.get(i)[column];
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
}

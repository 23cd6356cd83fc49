package org.mofa4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.train.InspectionLog;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.AdaLomo;
import org.mofa4j.optim.CompositeOptimizer;
import org.mofa4j.optim.GaLore;
import org.mofa4j.optim.MoFaSgd;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;

/**
 * The inspection report of a small real run (MoFaSGD, GaLore and AdaLomo on three matrices) is a self-contained
 * page that headless Chromium renders: every embedded plot decodes, the console shows no error, and the screenshot
 * is not blank. Skipped, with a message, when Debian's {@code chromium} is not installed (.ci/run installs it).
 */
class InspectionReportBrowserTest {
    private static final Pattern DECODED = Pattern.compile("data-images-decoded=\"(\\d+)/(\\d+)\"");

    @TempDir
    Path dir;

    /** Runs 12 steps of the three optimizers with a recorder every 3 steps, as train --inspect-every 3 does. */
    static void smallInspectedRun(Path runDir) {
        Rng rng = new Rng(5);
        Variable a = Variable.parameter(rng.normal(DType.F32, 0, 0.1, 24, 16), "a.weight");
        Variable b = Variable.parameter(rng.normal(DType.F32, 0, 0.1, 20, 12), "b.weight");
        Variable c = Variable.parameter(rng.normal(DType.F32, 0, 0.1, 10, 8), "c.weight");
        StatefulOptimizer opt = new CompositeOptimizer(List.of(
                new MoFaSgd(List.of(a), MoFaSgd.Config.paper(0.02, 3)),
                new GaLore(List.of(b), GaLore.Config.defaults(0.01, 2).withUpdateProjGap(4)),
                new AdaLomo(List.of(c), AdaLomo.Config.defaults(0.01))));
        try (InspectionLog log = new InspectionLog(runDir.resolve(InspectionLog.FILE_NAME), opt, 3)) {
            log.onStart(0, 12);
            for (int step = 1; step <= 12; step++) {
                for (Variable p : opt.parameters()) {
                    p.setGrad(rng.normal(DType.F32, 0, 1, p.shape()).add(p.value()));
                }
                opt.step();
                opt.zeroGrad();
                log.onStep(new TrainingListener.StepStats(step, 12, 1.0, 0.01, Double.NaN, 1, 2.0));
            }
            log.onEnd(12);
        }
    }

    @Test
    void reportIsSelfContainedAndHasEverySection() throws IOException {
        smallInspectedRun(dir);
        Path report = dir.resolve("report.html");
        int plots = InspectionReport.write(dir, report);
        String html = Files.readString(report, StandardCharsets.UTF_8);
        // MoFaSGD: 4 grids, GaLore: 2, AdaLomo: 1, one parameter each
        assertEquals(7, plots);
        assertEquals(plots, html.split("src=\"data:image/png;base64,", -1).length - 1);
        for (String external : List.of("http:", "https:", "<link", "<script src", "@import", "url(")) {
            assertFalse(html.contains(external), "the page must load nothing from outside: found " + external);
        }
        for (String section : List.of("does the low-rank momentum track the full one?", "Summary per matrix",
                "GaLore summary", "AdaLomo summary", "Inspection cost:")) {
            assertTrue(html.contains(section), "missing: " + section);
        }
    }

    @Test
    void headlessChromiumRendersEveryPlotWithoutConsoleErrors() throws Exception {
        Path chromium = chromium();
        smallInspectedRun(dir);
        Path report = dir.resolve("report.html");
        int plots = InspectionReport.write(dir, report);

        Browser.Result dom = Browser.run(chromium, dir, report, "--dump-dom");
        Matcher m = DECODED.matcher(dom.stdout());
        assertTrue(m.find(), "the page's load script did not run; stderr:\n" + dom.stderr());
        assertEquals(plots, Integer.parseInt(m.group(2)), "images in the DOM");
        assertEquals(plots, Integer.parseInt(m.group(1)), "images that decoded (naturalWidth > 0)");
        assertEquals(List.of(), dom.consoleMessages(), "console messages (errors, failed loads, logs)");

        Path png = dir.resolve("shot.png");
        Browser.Result shot = Browser.run(chromium, dir, report, "--screenshot=" + png, "--window-size=1280,1000");
        assertEquals(List.of(), shot.consoleMessages(), "console messages (errors, failed loads, logs)");
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1280, image.getWidth());
        double variance = Browser.luminanceVariance(image);
        assertTrue(variance > 500, "the screenshot looks blank: luminance variance " + variance);
    }

    /** The console check is not vacuous: a page with a script error is caught. */
    @Test
    void consoleErrorsOfABrokenPageAreCaught() throws Exception {
        Path chromium = chromium();
        Path page = dir.resolve("broken.html");
        Files.writeString(page, "<!DOCTYPE html><html><body><p>x</p><script>notDefinedAnywhere();</script></body></html>");
        Browser.Result r = Browser.run(chromium, dir, page, "--dump-dom");
        assertFalse(r.consoleMessages().isEmpty(), "expected a console error; stderr:\n" + r.stderr());
        assertTrue(String.join("\n", r.consoleMessages()).contains("notDefinedAnywhere"), r.consoleMessages().toString());
    }

    private static Path chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        Assumptions.abort("Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it), so "
                + "the headless rendering check is skipped");
        return null;
    }
}

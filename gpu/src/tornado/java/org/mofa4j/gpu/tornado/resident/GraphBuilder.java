package org.mofa4j.gpu.tornado.resident;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

import org.mofa4j.gpu.tornado.RowwiseKernels;
import org.mofa4j.gpu.tornado.resident.FixedGemm.View;
import org.mofa4j.nn.GptConfig;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Records the tasks of one resident GPT step into a {@link Resident} graph: forward, backward, norm and AdamW, in
 * that order, with the activation buffers backward needs (N = B·T rows, C width, H heads, D = C/H, V vocab):
 * per block x [N, C] (its input), ln1/ln2 outputs and their row statistics, qkv [N, 3C], att [B, H, T, T],
 * y [N, C] (merged heads), h [N, C] (after the attention residual), fc [N, 4C] (pre-GELU) and gelu [N, 4C].
 * Linear layers are GEMMs on the flat parameter array: y = x·Wᵀ reads W [out, in] at its offset with strides
 * (1, in); dX = dY·W; dW = dYᵀ·X written at W's offset in the gradient array.
 */
final class GraphBuilder {
    /** LayerNorm's ε, as {@code nn.LayerNorm}. */
    private static final float LN_EPS = 1e-5f;

    private final Resident r;
    private final GptConfig cfg;
    private final ParameterLayout lay;
    private final FloatArray p;
    private final FloatArray g;
    private final FloatArray m;
    private final FloatArray v;
    private final IntArray ids;
    private final IntArray targets;
    private final FloatArray hyper;
    private final FloatArray result;
    private final int batch, t, n, c, heads, d, vocab, layers;
    private final float scale;

    GraphBuilder(Resident r, GptConfig cfg, ParameterLayout lay, FloatArray p, FloatArray g, FloatArray m,
            FloatArray v, IntArray ids, IntArray targets, FloatArray hyper, FloatArray result, int batch, int t) {
        this.r = r;
        this.cfg = cfg;
        this.lay = lay;
        this.p = p;
        this.g = g;
        this.m = m;
        this.v = v;
        this.ids = ids;
        this.targets = targets;
        this.hyper = hyper;
        this.result = result;
        this.batch = batch;
        this.t = t;
        this.n = batch * t;
        this.c = cfg.width();
        this.heads = cfg.heads();
        this.d = cfg.headWidth();
        this.vocab = cfg.vocab();
        this.layers = cfg.layers();
        this.scale = (float) (1 / Math.sqrt(d));
    }

    /** One block's saved activations. */
    private final class BlockActs {
        final FloatArray x = r.floats(n * c);
        final FloatArray ln1 = r.floats(n * c);
        final FloatArray mean1 = r.floats(n);
        final FloatArray rstd1 = r.floats(n);
        final FloatArray qkv = r.floats(n * 3 * c);
        final FloatArray att = r.floats(batch * heads * t * t);
        final FloatArray y = r.floats(n * c);
        final FloatArray h = r.floats(n * c);
        final FloatArray ln2 = r.floats(n * c);
        final FloatArray mean2 = r.floats(n);
        final FloatArray rstd2 = r.floats(n);
        final FloatArray fc = r.floats(n * 4 * c);
        final FloatArray gelu = r.floats(n * 4 * c);
    }

    void build() {
        BlockActs[] acts = new BlockActs[layers];
        for (int l = 0; l < layers; l++) {
            acts[l] = new BlockActs();
        }
        FloatArray xLast = r.floats(n * c);     // input of ln_f
        FloatArray xf = r.floats(n * c);        // ln_f output
        FloatArray meanF = r.floats(n);
        FloatArray rstdF = r.floats(n);
        FloatArray tmp = r.floats(n * c);       // a projection's output before bias + residual
        FloatArray logits = r.floats(n * vocab);
        FloatArray probs = r.floats(n * vocab); // softmax, then dlogits in place
        FloatArray rowLoss = r.floats(n);
        FloatArray dxf = r.floats(n * c);
        FloatArray dA = r.floats(n * c);        // gradient at a block's output, then at its input
        FloatArray dB = r.floats(n * c);        // gradient at h
        FloatArray dxln = r.floats(n * c);
        FloatArray dyAtt = r.floats(n * c);
        FloatArray dqkv = r.floats(n * 3 * c);
        FloatArray dz = r.floats(batch * heads * t * t);
        FloatArray dfc = r.floats(n * 4 * c);
        FloatArray zeros = r.floats(n * c);
        FloatArray partial = r.floats(StepKernels.NORM_PARTS);
        FloatArray state = r.floats(2);

        int wte = lay.offset("wte.weight");
        int wpe = lay.offset("wpe.weight");
        int nc = n * c;

        // ---- forward
        FloatArray x0 = acts[0].x;
        r.parallel(createPackage("embed", EmbeddingKernels::forward, ids, p, wte, wpe, x0, t, c, nc), nc);
        for (int l = 0; l < layers; l++) {
            BlockActs a = acts[l];
            FloatArray next = l + 1 < layers ? acts[l + 1].x : xLast;
            String id = "l" + l + "_";
            BlockOffsets o = BlockOffsets.of(lay, l);
            r.parallel(createPackage(id + "ln1", NormKernels::forward, a.x, p, o.ln1w(), o.ln1b(), a.ln1, a.mean1, a.rstd1, n, c,
                    LN_EPS), n);
            linear(id + "qkv", a.ln1, c, o.qkvW(), 3 * c, a.qkv);
            r.parallel(createPackage(id + "qkvBias", PointwiseKernels::addBias, a.qkv, p, o.qkvB(), 3 * c, 3 * nc), 3 * nc);
            int rowsAtt = batch * heads * t;
            r.parallel(createPackage(id + "attn", AttentionKernels::forward, a.qkv, a.att, a.y, t, heads, d, scale,
                    rowsAtt), rowsAtt);
            linear(id + "proj", a.y, c, o.projW(), c, tmp);
            r.parallel(createPackage(id + "projRes", PointwiseKernels::addBiasResidual, tmp, p, o.projB(), a.x, a.h, c, nc), nc);
            r.parallel(createPackage(id + "ln2", NormKernels::forward, a.h, p, o.ln2w(), o.ln2b(), a.ln2, a.mean2, a.rstd2, n, c,
                    LN_EPS), n);
            linear(id + "fc", a.ln2, c, o.fcW(), 4 * c, a.fc);
            r.parallel(createPackage(id + "gelu", PointwiseKernels::addBiasGelu, a.fc, p, o.fcB(), a.gelu, 4 * c, 4 * nc), 4 * nc);
            linear(id + "mp", a.gelu, 4 * c, o.mpW(), c, tmp);
            r.parallel(createPackage(id + "mpRes", PointwiseKernels::addBiasResidual, tmp, p, o.mpB(), a.h, next, c, nc), nc);
        }
        int lnfW = lay.offset("ln_f.weight"), lnfB = lay.offset("ln_f.bias");
        r.parallel(createPackage("lnf", NormKernels::forward, xLast, p, lnfW, lnfB, xf, meanF, rstdF, n, c, LN_EPS), n);
        linear("head", xf, c, wte, vocab, logits);
        r.parallel(createPackage("xent", RowwiseKernels::softmaxCrossEntropy, logits, targets, probs, rowLoss, n, vocab), n);

        // ---- backward
        float invRows = 1.0f / n;
        int nv = n * vocab;
        r.parallel(createPackage("xentBack", StepKernels::crossEntropyBackward, probs, targets, vocab, invRows, nv), nv);
        weightGrad("headW", probs, vocab, xf, c, wte);
        inputGrad("headX", probs, vocab, wte, c, dxf);
        r.parallel(createPackage("lnfBack", NormKernels::backwardInput, dxf, xLast, meanF, rstdF, p, lnfW, zeros, dA, n,
                c), n);
        r.parallel(createPackage("lnfParams", NormKernels::backwardParams, dxf, xLast, meanF, rstdF, g, lnfW, lnfB, n,
                c), c);
        for (int l = layers - 1; l >= 0; l--) {
            BlockActs a = acts[l];
            String id = "b" + l + "_";
            BlockOffsets o = BlockOffsets.of(lay, l);
            // MLP: dA = gradient at the block output
            r.parallel(createPackage(id + "mpBias", PointwiseKernels::columnSum, dA, g, o.mpB(), n, c), c);
            weightGrad(id + "o.mpW()", dA, c, a.gelu, 4 * c, o.mpW());
            inputGrad(id + "mpX", dA, c, o.mpW(), 4 * c, dfc);
            r.parallel(createPackage(id + "geluBack", PointwiseKernels::geluBackward, dfc, a.fc, 4 * nc), 4 * nc);
            r.parallel(createPackage(id + "fcBias", PointwiseKernels::columnSum, dfc, g, o.fcB(), n, 4 * c), 4 * c);
            weightGrad(id + "o.fcW()", dfc, 4 * c, a.ln2, c, o.fcW());
            inputGrad(id + "fcX", dfc, 4 * c, o.fcW(), c, dxln);
            r.parallel(createPackage(id + "ln2Back", NormKernels::backwardInput, dxln, a.h, a.mean2, a.rstd2, p, o.ln2w(), dA,
                    dB, n, c), n);
            r.parallel(createPackage(id + "ln2Params", NormKernels::backwardParams, dxln, a.h, a.mean2, a.rstd2, g, o.ln2w(),
                    o.ln2b(), n, c), c);
            // attention: dB = gradient at h
            r.parallel(createPackage(id + "projBias", PointwiseKernels::columnSum, dB, g, o.projB(), n, c), c);
            weightGrad(id + "o.projW()", dB, c, a.y, c, o.projW());
            inputGrad(id + "projX", dB, c, o.projW(), c, dyAtt);
            int rowsAtt = batch * heads * t;
            r.parallel(createPackage(id + "attnQ", AttentionKernels::backwardQuery, a.qkv, a.att, dyAtt, dz, dqkv, t,
                    heads, d, scale, rowsAtt), rowsAtt);
            r.parallel(createPackage(id + "attnKV", AttentionKernels::backwardKeyValue, a.qkv, a.att, dyAtt, dz, dqkv, t,
                    heads, d, scale, rowsAtt), rowsAtt);
            r.parallel(createPackage(id + "qkvBias", PointwiseKernels::columnSum, dqkv, g, o.qkvB(), n, 3 * c), 3 * c);
            weightGrad(id + "o.qkvW()", dqkv, 3 * c, a.ln1, c, o.qkvW());
            inputGrad(id + "qkvX", dqkv, 3 * c, o.qkvW(), c, dxln);
            r.parallel(createPackage(id + "ln1Back", NormKernels::backwardInput, dxln, a.x, a.mean1, a.rstd1, p, o.ln1w(), dB,
                    dA, n, c), n);
            r.parallel(createPackage(id + "ln1Params", NormKernels::backwardParams, dxln, a.x, a.mean1, a.rstd1, g, o.ln1w(),
                    o.ln1b(), n, c), c);
        }
        // embeddings: dA = gradient at x₀
        r.parallel(createPackage("embedTok", EmbeddingKernels::backwardTokens, ids, dA, g, wte, n, c), c);
        int posTotal = cfg.context() * c;
        r.parallel(createPackage("embedPos", EmbeddingKernels::backwardPositions, dA, g, wpe, batch, t, c, posTotal), posTotal);

        // ---- norm, clip, AdamW
        int total = lay.total();
        int parts = StepKernels.NORM_PARTS;
        r.parallel(createPackage("normPartial", StepKernels::sumSquaresPartial, g, partial, total, parts), parts);
        r.parallel(createPackage("finish", StepKernels::finish, rowLoss, partial, hyper, result, state, n, parts, 1), 1);
        r.endGraphWithResult(); // the host checks the loss and the norm before AdamW runs
        for (int gi = 0; gi < lay.groups().size(); gi++) {
            ParameterLayout.Group grp = lay.groups().get(gi);
            int hOff = StepKernels.HYPER_HEAD + StepKernels.GROUP_HYPER * gi;
            int off = grp.offset();
            int count = grp.count();
            r.parallel(createPackage("adamw" + grp.offset(), StepKernels::adamW, p, g, m, v, hyper, state, hOff, off,
                    count), count);
        }
    }

    /** out [N, outF] = x [N, inF]·Wᵀ, W [outF, inF] at wOff of the parameters. */
    private void linear(String id, FloatArray x, int inF, int wOff, int outF, FloatArray out) {
        FixedGemm.add(r, id, n, outF, inF, new View(x, 0, inF, 1), new View(p, wOff, 1, inF),
                new View(out, 0, outF, 1));
    }

    /** dW [outF, inF] = dyᵀ·x into the gradients at wOff; dy [N, outF], x [N, inF]. */
    private void weightGrad(String id, FloatArray dy, int outF, FloatArray x, int inF, int wOff) {
        FixedGemm.add(r, id, outF, inF, n, new View(dy, 0, 1, outF), new View(x, 0, inF, 1), new View(g, wOff, inF, 1));
    }

    /** dx [N, inF] = dy [N, outF]·W, W [outF, inF] at wOff of the parameters. */
    private void inputGrad(String id, FloatArray dy, int outF, int wOff, int inF, FloatArray dx) {
        FixedGemm.add(r, id, n, inF, outF, new View(dy, 0, outF, 1), new View(p, wOff, inF, 1),
                new View(dx, 0, inF, 1));
    }

    /** Offsets of one block's parameters in the flat parameter array. */
    private record BlockOffsets(int ln1w, int ln1b, int qkvW, int qkvB, int projW, int projB, int ln2w, int ln2b,
            int fcW, int fcB, int mpW, int mpB) {
        static BlockOffsets of(ParameterLayout lay, int layer) {
            String b = "blocks." + layer + ".";
            return new BlockOffsets(lay.offset(b + "ln1.weight"), lay.offset(b + "ln1.bias"),
                    lay.offset(b + "attn.qkv.weight"), lay.offset(b + "attn.qkv.bias"),
                    lay.offset(b + "attn.proj.weight"), lay.offset(b + "attn.proj.bias"),
                    lay.offset(b + "ln2.weight"), lay.offset(b + "ln2.bias"), lay.offset(b + "mlp.fc.weight"),
                    lay.offset(b + "mlp.fc.bias"), lay.offset(b + "mlp.proj.weight"), lay.offset(b + "mlp.proj.bias"));
        }
    }
}

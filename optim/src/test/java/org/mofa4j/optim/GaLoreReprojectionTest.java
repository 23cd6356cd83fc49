package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.GaLore.ProjectionType;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Config.reprojectMoments: at a projector refresh M becomes Cl·M·Cr and V becomes (Cl∘Cl)·V·(Cr∘Cr), with
 * Cl = U_newᵀ·U_old and Cr = V_oldᵀ·V_new; off (the default, the reference's behaviour) leaves them as they are.
 */
class GaLoreReprojectionTest {
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;

    private static GaLore.Config config(ProjectionType type, boolean reproject) {
        return GaLore.Config.defaults(1e-2, 2).withUpdateProjGap(2).withProjection(type)
                .withReprojectMoments(reproject);
    }

    /** Runs steps 1 and 2 (one projector), returns the optimizer poised before the refreshing step 3. */
    private static GaLore twoSteps(Variable w, GaLore.Config c, Rng rng) {
        GaLore opt = new GaLore(List.of(w), c);
        for (int t = 0; t < 2; t++) {
            w.setGrad(rng.normal(DType.F64, 0, 1, w.shape()));
            opt.step();
            opt.zeroGrad();
        }
        return opt;
    }

    @ParameterizedTest(name = "{0}×{1} {2} reproject={3}")
    @CsvSource({"6, 4, STD, true", "4, 6, STD, true", "5, 7, FULL, true", "6, 4, STD, false", "5, 7, FULL, false"})
    void refreshCarriesTheMomentsIntoTheNewBasisOnlyWhenAskedTo(int m, int n, ProjectionType type, boolean on) {
        Rng rng = new Rng(5);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, m, n), "w");
        GaLore opt = twoSteps(w, config(type, on), rng);
        GaLoreProjector old = opt.projector(w);
        Map<String, Tensor> before = opt.stateDict();
        Tensor mOld = before.get("w.m").copy();
        Tensor vOld = before.get("w.v").copy();

        Tensor g = rng.normal(DType.F64, 0, 1, m, n);
        w.setGrad(g);
        opt.step(); // step 3: k = 2 is a multiple of T = 2, so P is refreshed from g
        GaLoreProjector fresh = GaLoreProjector.fromGradient(g, type.side(m, n), 2);
        assertEquals(2, opt.projectorRefreshes(w));

        Tensor mCarried = mOld;
        Tensor vCarried = vOld;
        if (on) {
            if (old.u() != null) {
                Tensor cl = fresh.u().t().matmul(old.u());
                mCarried = cl.matmul(mCarried);
                vCarried = cl.square().matmul(vCarried);
            }
            if (old.vt() != null) {
                Tensor cr = old.vt().matmul(fresh.vt().t());
                mCarried = mCarried.matmul(cr);
                vCarried = vCarried.matmul(cr.square());
            }
        }
        Tensor r = fresh.project(g);
        Tensor mExpected = mCarried.mul(B1).addScaledInPlace(1 - B1, r);
        Tensor vExpected = vCarried.mul(B2).addScaledInPlace(1 - B2, r.square());
        Map<String, Tensor> after = opt.stateDict();
        assertArrayEquals(mExpected.toDoubleArray(), after.get("w.m").toDoubleArray(), 1e-12);
        assertArrayEquals(vExpected.toDoubleArray(), after.get("w.v").toDoubleArray(), 1e-12);
    }

    /** When the refreshed subspace is the old one (the same gradient every step), re-projecting changes nothing. */
    @Test
    void anUnchangedSubspaceIsCarriedOverAsItIs() {
        Tensor g = new Rng(9).normal(DType.F64, 0, 1, 6, 4);
        double[][] results = new double[2][];
        for (int k = 0; k < 2; k++) {
            Variable w = Variable.parameter(Tensor.zeros(DType.F64, 6, 4), "w");
            GaLore opt = new GaLore(List.of(w), config(ProjectionType.STD, k == 1));
            for (int t = 0; t < 5; t++) {
                w.setGrad(g.copy());
                opt.step();
                opt.zeroGrad();
            }
            results[k] = w.value().toDoubleArray();
        }
        assertArrayEquals(results[0], results[1], 1e-14);
    }

    @Test
    void theDefaultIsTheReferenceBehaviour() {
        assertEquals(false, GaLore.Config.defaults(1e-2, 4).reprojectMoments());
        assertEquals(false, new GaLore.Config(1e-2, 0.9, 0.999, 1e-6, 0, 4, 200, 0.25, ProjectionType.STD,
                GaLore.EpsilonPlacement.CODE).reprojectMoments());
    }
}

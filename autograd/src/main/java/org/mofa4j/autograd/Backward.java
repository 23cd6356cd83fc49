package org.mofa4j.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * The backward pass: an iterative depth-first post-order over nodes (inputs visited in recorded order,
 * so the schedule and every gradient sum are deterministic), run in reverse. Each node's output gradient
 * is final when it runs, because every consumer comes earlier in reverse post-order. A leaf's gradient is
 * final when its last consuming edge has delivered; its hooks fire right then.
 */
final class Backward {
    /** The {@link BackwardObserver} of each thread, or none. */
    static final ThreadLocal<BackwardObserver> OBSERVER = new ThreadLocal<>();

    private Backward() {}

    /** Gradient being summed for one leaf during a pass. */
    private static final class LeafSlot {
        int pendingEdges;
        Tensor grad;
        boolean owned;
    }

    static void run(Variable root, Tensor seed, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: this variable does not require grad: it was computed from "
                    + "inputs that do not require grad, or inside GradMode.disabled()");
        }
        Tensor rootValue = root.value();
        if (seed == null) {
            if (rootValue.numel() != 1) {
                throw new IllegalArgumentException("backward: output of shape " + Shapes.str(rootValue.shape())
                        + " is not a scalar; pass a gradient of that shape to backward(seed, retainGraph)");
            }
            seed = Tensor.ones(rootValue.dtype(), rootValue.shape());
        } else if (!java.util.Arrays.equals(seed.shape(), rootValue.shape()) || seed.dtype() != rootValue.dtype()) {
            throw new IllegalArgumentException("backward: seed of shape " + Shapes.str(seed.shape()) + " " + seed.dtype()
                    + " does not match output of shape " + Shapes.str(rootValue.shape()) + " " + rootValue.dtype());
        }
        if (root.isLeaf()) {
            deliverFinal(root, seed, false);
            return;
        }
        List<Node> order = postOrder(root.gradFn());
        IdentityHashMap<Variable, LeafSlot> leafSlots = countLeafEdges(order);
        Node first = root.gradFn();
        first.gradAccum = seed;
        first.gradOwned = false;
        BackwardObserver observer = OBSERVER.get();
        try {
            for (int k = order.size() - 1; k >= 0; k--) {
                runNode(order.get(k), leafSlots, retainGraph, observer);
            }
        } finally {
            for (Node n : order) {
                n.gradAccum = null;
            }
        }
    }

    private static void runNode(Node node, IdentityHashMap<Variable, LeafSlot> leafSlots, boolean retainGraph,
                                BackwardObserver observer) {
        Tensor g = node.gradAccum;
        boolean gOwned = node.gradOwned;
        node.gradAccum = null;
        Node[] producers = node.producers;
        Variable[] leaves = node.leaves;
        Tensor[] grads = g == null ? null : node.runBackward(g);
        if (g != null && node.retainedOutput != null) {
            node.retainedOutput.setGrad(g.copy());
        }
        for (int i = 0; i < producers.length; i++) {
            Tensor gi = grads == null ? null : grads[i];
            // an edge owns its gradient (may sum into it in place) unless another edge got the same tensor,
            // or it is (a view of) an output gradient the engine does not own, such as the caller's seed
            boolean owned = gi != null && !sharedWithOther(grads, i) && (gOwned || !gi.sharesStorage(g));
            if (producers[i] != null && gi != null) {
                Node p = producers[i];
                accumulate(p, gi, owned);
            } else if (leaves[i] != null) {
                LeafSlot slot = leafSlots.get(leaves[i]);
                if (gi != null) {
                    if (slot.grad == null) {
                        slot.grad = gi;
                        slot.owned = owned;
                    } else {
                        slot.grad = sum(slot.grad, slot.owned, gi);
                        slot.owned = true;
                    }
                }
                if (--slot.pendingEdges == 0) {
                    Tensor finalGrad = slot.grad;
                    boolean finalOwned = slot.owned;
                    slot.grad = null;
                    if (finalGrad != null) {
                        deliverFinal(leaves[i], finalGrad, finalOwned);
                    }
                }
            }
        }
        if (observer != null) {
            observer.afterNode(node.op);
        }
        if (!retainGraph) {
            node.release();
        }
    }

    private static void accumulate(Node p, Tensor gi, boolean owned) {
        if (p.gradAccum == null) {
            p.gradAccum = gi;
            p.gradOwned = owned;
        } else {
            p.gradAccum = sum(p.gradAccum, p.gradOwned, gi);
            p.gradOwned = true;
        }
    }

    /** acc + g, in place when acc is owned by the engine (and contiguous), else into a new tensor. */
    private static Tensor sum(Tensor acc, boolean accOwned, Tensor g) {
        if (accOwned && acc.isContiguous()) {
            return acc.addInPlace(g);
        }
        return acc.add(g);
    }

    private static boolean sharedWithOther(Tensor[] grads, int i) {
        for (int j = 0; j < grads.length; j++) {
            if (j != i && grads[j] == grads[i]) {
                return true;
            }
        }
        return false;
    }

    /** Hands a leaf its final gradient for this pass: hooks first, then accumulation into grad(). */
    private static void deliverFinal(Variable leaf, Tensor g, boolean owned) {
        if (leaf.fireHooks(g)) {
            return;
        }
        Tensor existing = leaf.grad();
        if (existing == null) {
            // a leaf's gradient must own its whole storage: optimizers may treat grad.data() as this gradient alone
            leaf.setGrad(owned && g.coversStorage() ? g : g.copy());
        } else {
            existing.addInPlace(g);
        }
    }

    /** Nodes reachable from root, each after all nodes it depends on (iterative DFS, no recursion). */
    private static List<Node> postOrder(Node root) {
        List<Node> order = new ArrayList<>();
        IdentityHashMap<Node, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Node> nodeStack = new ArrayDeque<>();
        ArrayDeque<int[]> cursorStack = new ArrayDeque<>();
        if (root.isReleased()) {
            root.runBackward(null); // throws the "already freed" message
        }
        visited.put(root, Boolean.TRUE);
        nodeStack.push(root);
        cursorStack.push(new int[] {0});
        while (!nodeStack.isEmpty()) {
            Node n = nodeStack.peek();
            int[] cursor = cursorStack.peek();
            Node next = null;
            while (cursor[0] < n.producers.length && next == null) {
                Node p = n.producers[cursor[0]++];
                if (p != null && visited.put(p, Boolean.TRUE) == null) {
                    next = p;
                }
            }
            if (next != null) {
                nodeStack.push(next);
                cursorStack.push(new int[] {0});
            } else {
                order.add(nodeStack.pop());
                cursorStack.pop();
            }
        }
        return order;
    }

    private static IdentityHashMap<Variable, LeafSlot> countLeafEdges(List<Node> order) {
        IdentityHashMap<Variable, LeafSlot> slots = new IdentityHashMap<>();
        for (Node n : order) {
            for (Variable leaf : n.leaves) {
                if (leaf != null) {
                    slots.computeIfAbsent(leaf, v -> new LeafSlot()).pendingEdges++;
                }
            }
        }
        return slots;
    }
}

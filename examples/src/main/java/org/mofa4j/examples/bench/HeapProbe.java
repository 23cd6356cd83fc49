package org.mofa4j.examples.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/** Heap, allocation and GC readings shared by the memory benchmarks (JMX; -1 where the JVM cannot tell). */
final class HeapProbe {
    private HeapProbe() {}

    /**
     * The live heap: bytes still in use right after a full GC, read as the sum over heap pools of their usage
     * after the most recent collection ({@link MemoryPoolMXBean#getCollectionUsage()}), with the GC repeated (at
     * most four times) until it frees nothing more. Reading the heap used after {@code System.gc()} instead counts
     * whatever was allocated since, including the whole, adaptively sized allocation buffer the reading thread
     * takes next; and one GC did not always reclaim everything. Each made single readings on a GPT training step
     * vary by several MiB between identical steps. Pools without a collection reading count their current usage.
     * Meant for the serial collector ({@link ChildProcess#MEASURING_GC}), where {@code System.gc()} is one full
     * collection of every pool.
     */
    static long liveHeapBytes() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            long sum = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP && p.isValid()) {
                    MemoryUsage after = p.getCollectionUsage();
                    sum += after != null ? after.getUsed() : p.getUsage().getUsed();
                }
            }
            if (sum >= best) {
                break;
            }
            best = sum;
        }
        return best;
    }

    /** Starts a new peak window on every heap pool. */
    static void resetHeapPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) {
                p.resetPeakUsage();
            }
        }
    }

    /** Sum over heap pools of their peak usage since the last {@link #resetHeapPeaks()}. */
    static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Bytes allocated so far by all threads, or -1. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /** Collections so far, over all collectors. */
    static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionCount())).sum();
    }

    /** Milliseconds spent collecting so far, over all collectors. */
    static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionTime())).sum();
    }
}

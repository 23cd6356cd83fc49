package org.mofa4j.examples.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** Heap, allocation and GC readings shared by the memory benchmarks (JMX; -1 where the JVM cannot tell). */
public final class HeapProbe {
    private HeapProbe() {}

    /** Heap used right after a full GC. */
    public static long liveHeapBytes() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Starts a new peak window on every heap pool. */
    public static void resetHeapPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) {
                p.resetPeakUsage();
            }
        }
    }

    /** Sum over heap pools of their peak usage since the last {@link #resetHeapPeaks()}. */
    public static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Bytes allocated so far by all threads, or -1. */
    public static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /** Collections so far, over all collectors. */
    public static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionCount())).sum();
    }

    /** Milliseconds spent collecting so far, over all collectors. */
    public static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionTime())).sum();
    }
}

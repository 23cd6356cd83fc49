package org.mofa4j.examples.bench;

import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Heap, allocation and GC readings shared by the memory benchmarks (JMX; -1 where the JVM cannot tell). */
final class HeapProbe {
    private HeapProbe() {}

    /**
     * The live heap: bytes still in use right after a full GC, read from that collection's own record
     * ({@code GcInfo.getMemoryUsageAfterGc()} of the most recent collection, summed over the heap pools), with the
     * GC repeated (at most four times) until it frees nothing more. Two simpler readings were wrong by several MiB:
     * the heap used after {@code System.gc()} counts whatever was allocated since, including the whole, adaptively
     * sized allocation buffer the reading thread takes next; and the pools' "usage after the last collection"
     * keeps, for the young pools, the value left by the last <em>young</em> collection, so stale survivors (tens
     * of MiB after many steps without a full GC) were counted. Meant for the serial collector
     * ({@link ChildProcess#MEASURING_GC}), where {@code System.gc()} is one full collection of every pool.
     */
    static long liveHeapBytes() {
        Set<String> heapPools = new HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p.getName());
            }
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            long used = usedAfterLastGc(heapPools);
            if (used >= best) {
                break;
            }
            best = used;
        }
        return best;
    }

    /** Heap pools' usage after the most recent collection of any collector, or the current usage if none. */
    private static long usedAfterLastGc(Set<String> heapPools) {
        GcInfo last = null;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (g instanceof com.sun.management.GarbageCollectorMXBean sun) {
                GcInfo info = sun.getLastGcInfo();
                if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
                    last = info;
                }
            }
        }
        if (last == null) {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
        long sum = 0;
        for (Map.Entry<String, MemoryUsage> e : last.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                sum += e.getValue().getUsed();
            }
        }
        return sum;
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

package org.mofa4j.examples.bench;

import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/** Heap, allocation and GC readings shared by the memory benchmarks (JMX; -1 where the JVM cannot tell). */
public final class HeapProbe {
    private HeapProbe() {}

    /**
     * The live heap: bytes still in use right after a full GC, read from that collection's own record
     * ({@code GcInfo.getMemoryUsageAfterGc()} of the most recent collection, summed over the heap pools), with the
     * GC repeated (at most four times) until it frees nothing more. Two simpler readings were wrong by several MiB:
     * the heap used after {@code System.gc()} counts whatever was allocated since, including the whole, adaptively
     * sized allocation buffer the reading thread takes next; and the pools' "usage after the last collection"
     * keeps, for the young pools, the value left by the last <em>young</em> collection, so stale survivors (tens
     * of MiB after many steps without a full GC) were counted. Meant for the serial collector with full compaction
     * ({@link ChildProcess#MEASURING_GC}), where {@code System.gc()} is one full collection of every pool; without
     * {@code -XX:MarkSweepDeadRatio=0} the collector keeps some dead objects, repeating the GC does not remove
     * them, and the reading is up to 5% of the old generation too high.
     */
    public static long liveHeapBytes() {
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

    /**
     * The largest heap in use right after any garbage collection while it is open (young and full collections
     * alike): a lower bound of the peak live set that, unlike {@link #heapPeakBytes()}, does not count garbage
     * awaiting collection, so it does not grow with {@code -Xmx}. Reads 0 until a collection has run.
     */
    public static final class AfterGcPeak implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener = (notification, handback) -> {
            if (com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                    .equals(notification.getType())) {
                var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long used = 0;
                for (java.util.Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (isHeapPool(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                peak.accumulateAndGet(used, Math::max);
            }
        };

        /** Starts listening to every collector. */
        public AfterGcPeak() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) {
                    e.addNotificationListener(listener, null, null);
                    emitters.add(e);
                }
            }
        }

        /** The largest heap used after a collection so far, in bytes. */
        public long bytes() {
            return peak.get();
        }

        @Override
        public void close() {
            for (NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(listener);
                } catch (ListenerNotFoundException ignored) {
                    // already removed
                }
            }
        }

        private static boolean isHeapPool(String name) {
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getName().equals(name)) {
                    return p.getType() == MemoryType.HEAP;
                }
            }
            return false;
        }
    }
}

package org.mofa4j.examples.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/** Heap, allocation and GC readings shared by the memory benchmarks (JMX; -1 where the JVM cannot tell). */
public final class HeapProbe {
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
    public static long liveHeapBytes() {
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

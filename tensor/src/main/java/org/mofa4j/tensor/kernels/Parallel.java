package org.mofa4j.tensor.kernels;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs the tasks {@code 0 .. tasks-1} of a kernel on a shared pool of daemon threads; the calling thread works too.
 *
 * <p>Contract for callers, which is what keeps kernels deterministic: task {@code i} must compute a fixed part of
 * the output (a block of rows, a panel of columns, a chunk of elements) that depends only on {@code i}, never on
 * which thread runs it or on how many threads there are. Never split a reduction (such as the k-sum of a matmul)
 * across tasks; split the outputs. Then the result is bit-identical for any thread count.
 *
 * <p>Scheduling: tasks are claimed dynamically from a shared counter, so uneven tasks balance themselves.
 * {@code forRange} returns when every task has finished. A task's exception is rethrown in the caller (the first
 * one; later tasks are skipped). Kernels may nest: a call from a task on a pool thread runs inline, one from the
 * caller's own tasks may use idle pool threads; neither waits on a thread that waits on it.
 * A call allocates a job (a few small objects) and a queue node per helper thread, nothing per task.
 *
 * <p>The pool grows to the largest thread count ever requested minus one (the caller is the extra thread) and
 * never shrinks; its threads are daemons named {@code mofa4j-kernel-N}. An idle pool thread spins for
 * {@value #SPIN_NANOS} ns before it blocks, and so does a caller waiting for helpers, so a kernel made of several
 * back-to-back calls (pack, then compute) does not pay a thread wake-up (tens of microseconds) for each.
 */
public final class Parallel {

    /** Upper bound on pool threads, whatever thread count callers ask for. */
    private static final int MAX_POOL_THREADS = 256;

    /** How long an idle pool thread polls for new work, or a caller for its helpers, before blocking. */
    private static final long SPIN_NANOS = 50_000;

    /** Tickets for pool threads: each is a job a helper should join. */
    private static final LinkedBlockingQueue<Job> QUEUE = new LinkedBlockingQueue<>();
    private static final Object POOL_LOCK = new Object();
    private static volatile int poolSize;

    private Parallel() {
    }

    /** {@link #forRange(int, int, IntConsumer)} with {@link KernelMode#threads()} threads. */
    public static void forRange(int tasks, IntConsumer body) {
        forRange(tasks, KernelMode.threads(), body);
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, using at most {@code threads} threads
     * (the caller included), and returns when all have finished.
     *
     * @param tasks   number of tasks, {@code >= 0}
     * @param threads maximum number of threads working at once, {@code >= 1}
     * @param body    the task; must follow the determinism contract in the class comment
     * @throws IllegalArgumentException if {@code tasks < 0} or {@code threads < 1}
     */
    public static void forRange(int tasks, int threads, IntConsumer body) {
        if (tasks < 0 || threads < 1) {
            throw new IllegalArgumentException(
                    "Parallel.forRange: need tasks >= 0 and threads >= 1, got tasks=" + tasks + ", threads=" + threads);
        }
        int workers = Math.min(threads, tasks);
        if (workers <= 1 || Thread.currentThread() instanceof KernelThread) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Job job = new Job(tasks, body, Thread.currentThread());
        ensurePoolSize(workers - 1);
        for (int h = 1; h < workers; h++) {
            QUEUE.offer(job);
        }
        job.run();
        try {
            job.awaitAll();
        } finally {
            job.release();
        }
    }

    private static void ensurePoolSize(int helpers) {
        int size = Math.min(helpers, MAX_POOL_THREADS);
        if (poolSize >= size) {
            return;
        }
        synchronized (POOL_LOCK) {
            while (poolSize < size) {
                new KernelThread("mofa4j-kernel-" + (poolSize + 1)).start();
                poolSize = poolSize + 1;
            }
        }
    }

    /** One forRange call: a task counter shared by the caller and the helper threads. */
    private static final class Job implements Runnable {
        private final int tasks;
        private IntConsumer body; // null once every task has finished (see release)
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        /** Claims and runs tasks until none are left; a helper that arrives late finds none and returns. */
        @Override
        public void run() {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (finished.incrementAndGet() == tasks && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /**
         * Drops the task body once every task has finished. The queue nodes of helpers that never arrived stay
         * queued until a helper polls them; without this they would keep the body, and with it the kernel's
         * operands (activations, gradients), reachable until then, so the live heap depended on thread scheduling
         * (on a loaded machine, helpers wait long to be scheduled). A late helper claims no task (all are taken),
         * so it never reads the body.
         */
        void release() {
            body = null;
        }

        /** Called by the caller after its own {@link #run()}: waits for tasks still running on helpers. */
        void awaitAll() {
            // Spin first: helpers usually finish within microseconds of the caller, and waking a parked thread
            // costs tens of microseconds on a VM.
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (finished.get() < tasks && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            while (finished.get() < tasks) {
                LockSupport.park(this);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("Parallel.forRange: task failed", t);
            }
        }
    }

    /** A pool thread: joins queued jobs; spins briefly when idle, then blocks. */
    private static final class KernelThread extends Thread {
        KernelThread(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                Job job = QUEUE.poll();
                if (job == null) {
                    long deadline = System.nanoTime() + SPIN_NANOS;
                    while ((job = QUEUE.poll()) == null && System.nanoTime() - deadline < 0) {
                        Thread.onSpinWait();
                    }
                }
                try {
                    if (job == null) {
                        job = QUEUE.take();
                    }
                    job.run();
                } catch (InterruptedException e) {
                    // pool threads live as long as the JVM; nothing to stop
                }
            }
        }
    }
}

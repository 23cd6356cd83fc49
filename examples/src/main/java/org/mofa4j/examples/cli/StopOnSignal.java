package org.mofa4j.examples.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mofa4j.nn.train.Trainer;

/**
 * Ctrl-C (SIGINT) or SIGTERM during training: a shutdown hook asks the trainer to stop after the step in progress,
 * then waits until the training thread has written that step's checkpoint and left {@link Trainer#run()}
 * ({@link #close()}), so the JVM exits only once the checkpoint is on disk. A second Ctrl-C cannot shorten this,
 * but the wait is bounded by {@link #MAX_WAIT_SECONDS}. SIGKILL cannot be caught; there the atomic checkpoint
 * files make the previous checkpoint the one {@code --resume} continues from.
 */
final class StopOnSignal implements AutoCloseable {
    /** The exit status of a run stopped this way: 128 + SIGINT, as shells report an interrupted command. */
    static final int EXIT_CODE = 130;
    /** Longest time the hook waits for the step in progress and its checkpoint. */
    static final long MAX_WAIT_SECONDS = 600;

    private final Trainer trainer;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    StopOnSignal(Trainer trainer) {
        this.trainer = trainer;
        this.hook = new Thread(this::onShutdown, "mofa4j-stop-on-signal");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private void onShutdown() {
        if (finished.getCount() == 0) {
            return; // training already over: nothing to save
        }
        System.err.println("\nmofa4j train: interrupted; finishing step " + (trainer.step() + 1)
                + " and writing a checkpoint before exiting ...");
        trainer.requestStop();
        try {
            if (!finished.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS)) {
                System.err.println("mofa4j train: no checkpoint after " + MAX_WAIT_SECONDS + " s; exiting without one");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Training left {@link Trainer#run()} (normally, stopped or failed): the hook no longer waits, and is removed. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it sees the released latch and returns
        }
    }
}

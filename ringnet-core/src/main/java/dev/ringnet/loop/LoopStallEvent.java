package dev.ringnet.loop;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * A JFR event for a task or handler that held an event loop's thread longer than
 * {@code ringnet.stallWarnMillis} (default 100 ms): while it ran, no other completion, timer or task
 * of that loop could. Recorded for every stall (the log warning is rate-limited); see it with
 * {@code jfr print --events dev.ringnet.LoopStall recording.jfr}.
 */
@Name("dev.ringnet.LoopStall")
@Label("Event loop stall")
@Category("ringnet")
@Description("A task or handler held the event loop thread too long")
final class LoopStallEvent extends Event {
    @Label("Loop thread")
    String loopThread;

    @Label("Task")
    String task;

    @Label("Held for")
    @Timespan(Timespan.NANOSECONDS)
    long heldNanos;
}

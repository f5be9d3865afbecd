package dev.ringnet.loop;

/**
 * What this machine offers for one backend: whether it can be used here and, if not, why.
 *
 * @param name      the name {@link IoContext#create(String)} accepts
 * @param available true if a context can be created with it here
 * @param detail    when available, what it runs on (for example the selector implementation);
 *                  when not, the reason
 */
public record BackendInfo(String name, boolean available, String detail) {
    @Override
    public String toString() {
        return name + ": " + (available ? "available (" + detail + ")" : "unavailable: " + detail);
    }
}

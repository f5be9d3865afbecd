package dev.ringnet.cli;

/**
 * Bad command-line input: the message says what is wrong, {@link Main} prints it with the usage
 * text and exits with {@link Main#EXIT_USAGE}.
 */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}

package dev.raftkv.server;

/** A node setting is missing or wrong; the message names the property. The node does not start. */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;

    public ConfigException(String property, String problem) {
        super(property + ": " + problem);
        this.property = property;
    }

    /** The {@code raftkv.*} property at fault. */
    public String property() {
        return property;
    }
}

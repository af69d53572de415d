package io.serdistill.config;

/** A configuration value that cannot be used; the message always names the offending key. */
public final class ConfigError extends RuntimeException {
    private final String key;

    public ConfigError(String key, String reason) {
        super("config key '" + key + "': " + reason);
        this.key = key;
    }

    public ConfigError(String key, String reason, Throwable cause) {
        super("config key '" + key + "': " + reason, cause);
        this.key = key;
    }

    public String key() {
        return key;
    }
}

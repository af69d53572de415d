package io.serdistill.train;

/**
 * A training option outside its domain, naming the option as the config spells it (e.g. {@code batch-size}), so a
 * config reader can name the full key without repeating the rule.
 */
public final class InvalidOption extends IllegalArgumentException {
    private final String option;

    public InvalidOption(String option, String reason) {
        super(option + " " + reason);
        this.option = option;
    }

    /** The option's config name, e.g. {@code learning-rate}. */
    public String option() {
        return option;
    }

    /** The message without the option's name. */
    public String reason() {
        return getMessage().substring(option.length() + 1);
    }

    static void require(boolean ok, String option, String reason) {
        if (!ok) {
            throw new InvalidOption(option, reason);
        }
    }
}

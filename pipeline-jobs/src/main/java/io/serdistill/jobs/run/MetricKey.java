package io.serdistill.jobs.run;

/**
 * Identifies one confusion matrix, and the group of tables/metrics rows computed from it: a model on one language
 * ({@link Tables#ALL_LANGUAGES} pools every language) and split.
 */
public record MetricKey(String model, String method, String language, String split) implements Comparable<MetricKey> {
    @Override
    public int compareTo(MetricKey o) {
        return toString().compareTo(o.toString());
    }
}

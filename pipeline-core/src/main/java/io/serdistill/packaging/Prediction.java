package io.serdistill.packaging;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One utterance's result: the softmax of the model's logits over {@code classes} (in the card's order), and the
 * predicted class, the index of the largest logit (the lowest index on ties, as the evaluate stage picks it).
 *
 * @param seconds duration of the audio the model heard (after cutting at the card's max-seconds)
 */
public record Prediction(List<String> classes, int predicted, double[] probabilities, double seconds) {

    public String label() {
        return classes.get(predicted);
    }

    /** The {@code n} most probable classes with their probabilities, most probable first (ties in class order). */
    public Map<String, Double> top(int n) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -probabilities[i]).thenComparingInt(i -> i));
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i : order.subList(0, Math.min(n, order.size()))) {
            out.put(classes.get(i), probabilities[i]);
        }
        return out;
    }
}

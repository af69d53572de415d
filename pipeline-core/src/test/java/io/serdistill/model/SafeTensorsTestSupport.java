package io.serdistill.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

final class SafeTensorsTestSupport {
    private SafeTensorsTestSupport() {}

    static Map<String, SafeTensors.Tensor> tensorsOf(byte[] bytes) {
        try {
            return SafeTensors.parse(bytes, "mem").tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

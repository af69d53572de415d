package io.serdistill.model;

import java.util.Map;

/** A model that writes itself as one self-contained safetensors file (the only model format the project reads). */
public interface SafeTensorsWritable {

    /** The model as safetensors bytes, with {@code provenance} in the file's metadata. */
    byte[] toSafeTensors(Map<String, String> provenance);
}

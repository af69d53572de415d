package io.serdistill.packaging;

import java.io.IOException;

/**
 * A model package that cannot be used: missing, unreadable, or failing its integrity checks. The message starts with
 * the package's location and says what is wrong (the file, the tensor, the checksum).
 */
public final class PackageError extends IOException {
    public PackageError(String location, String problem) {
        super(location + ": " + problem);
    }

    public PackageError(String location, String problem, Throwable cause) {
        super(location + ": " + problem, cause);
    }
}

package dev.ksim.spi;

/**
 * A random stream private to one component of one run, derived from (seed, variant, component
 * id); two components never share a stream, so adding one never perturbs another.
 */
public interface RandomStream {

    long nextLong();

    /** Uniform in [0, bound). */
    long nextLong(long bound);

    /** Uniform in [0, bound). */
    int nextInt(int bound);

    /** Uniform in [0, 1). */
    double nextDouble();
}

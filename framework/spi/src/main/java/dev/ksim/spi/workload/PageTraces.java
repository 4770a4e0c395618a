package dev.ksim.spi.workload;

/**
 * Opens page-reference traces a user brings (valgrind lackey logs, libCacheSim oracleGeneral
 * binary, csv and one-id-per-line text; each optionally {@code .gz} or {@code .zst}
 * compressed). Implemented by the engine, which owns the file formats; a workload generator
 * injects it and decides what to do with the references.
 */
public interface PageTraces {
    /** Format names {@link #open} accepts; {@code auto} chooses by file name, then by content. */
    java.util.List<String> FORMATS = java.util.List.of("auto", "lackey", "oracle-bin", "oracle-csv", "ids-txt");

    /**
     * Opens {@code file}. A relative path is resolved against the directory of the scenario
     * file. The first record is checked here, so a missing file or a wrong format fails before
     * the run starts.
     *
     * @param format       one of {@link #FORMATS}
     * @param instructions for lackey logs: also replay instruction fetches ({@code I} records)
     * @throws dev.ksim.spi.InvalidInputException when the file cannot be read or is not of the format
     */
    PageTrace open(String file, String format, boolean instructions);
}

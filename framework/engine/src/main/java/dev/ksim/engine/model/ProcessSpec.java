package dev.ksim.engine.model;

import java.util.List;

/** A process: its mappings and its threads. */
public record ProcessSpec(String name, List<MappingSpec> mappings, List<ThreadSpec> threads, SourceRef where) {
    public ProcessSpec {
        mappings = List.copyOf(mappings);
        threads = List.copyOf(threads);
    }
}

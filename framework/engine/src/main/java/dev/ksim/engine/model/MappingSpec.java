package dev.ksim.engine.model;

/** An anonymous private mapping of a process ({@code mmap(MAP_ANONYMOUS|MAP_PRIVATE)}). */
public record MappingSpec(String name, long sizeBytes, SourceRef where) {
}

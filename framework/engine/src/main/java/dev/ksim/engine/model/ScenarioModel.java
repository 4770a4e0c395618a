package dev.ksim.engine.model;

import java.util.List;
import java.util.Map;

/**
 * One fully resolved variant of a scenario: everything a run needs, immutable, built by the DSL
 * and validated before any simulation starts. The script never runs inside the event loop.
 *
 * @param name             scenario name
 * @param description      one paragraph for reports
 * @param variant          variant label, {@code policy=interleave,size=64MiB}; "default" when the
 *                         scenario has no variants
 * @param params           the variant's parameter values (insertion order = declaration order)
 * @param machine          the machine
 * @param processes        processes with mappings and threads
 * @param migrationPolicy  placement/migration design
 * @param hardening        security hardening design
 * @param durationNs       simulated time limit (threads with bounded accesses may finish earlier)
 * @param sampleIntervalNs period at which gauges are sampled into time series
 * @param costOverrides    cost-model entries the scenario overrides (key = cost-model key)
 * @param expectations     assertions deciding the exit code
 * @param source           the scenario file
 * @param ipc              the {@code ipc { }} part (users, peers, transport, accounting), or null;
 *                         a model with ipc runs the IPC simulation and may have no machine
 * @param events           timed actions on the memory manager (pin, mlock, move_pages, memory
 *                         failure ...), in declaration order; the run performs them in time order
 * @param files            files declared with {@code file('name') { }} (sizes, storage latencies)
 * @param writeback        the writeback sysctls ({@code machine { writeback { } }})
 */
public record ScenarioModel(
        String name,
        String description,
        String variant,
        Map<String, Object> params,
        MachineSpec machine,
        List<ProcessSpec> processes,
        PluginRef migrationPolicy,
        PluginRef hardening,
        long durationNs,
        long sampleIntervalNs,
        Map<String, Long> costOverrides,
        List<ExpectationSpec> expectations,
        SourceRef source,
        dev.ksim.engine.ipc.IpcSpec ipc,
        List<EventSpec> events,
        List<FileSpec> files,
        WritebackSpec writeback) {

    /** A model without declared files and with the kernel's writeback settings. */
    public ScenarioModel(String name, String description, String variant, Map<String, Object> params, MachineSpec machine,
                         List<ProcessSpec> processes, PluginRef migrationPolicy, PluginRef hardening, long durationNs,
                         long sampleIntervalNs, Map<String, Long> costOverrides, List<ExpectationSpec> expectations,
                         SourceRef source, dev.ksim.engine.ipc.IpcSpec ipc, List<EventSpec> events) {
        this(name, description, variant, params, machine, processes, migrationPolicy, hardening, durationNs, sampleIntervalNs,
                costOverrides, expectations, source, ipc, events, List.of(), WritebackSpec.DEFAULT);
    }

    /** A model without timed events. */
    public ScenarioModel(String name, String description, String variant, Map<String, Object> params, MachineSpec machine,
                         List<ProcessSpec> processes, PluginRef migrationPolicy, PluginRef hardening, long durationNs,
                         long sampleIntervalNs, Map<String, Long> costOverrides, List<ExpectationSpec> expectations,
                         SourceRef source, dev.ksim.engine.ipc.IpcSpec ipc) {
        this(name, description, variant, params, machine, processes, migrationPolicy, hardening, durationNs, sampleIntervalNs,
                costOverrides, expectations, source, ipc, List.of());
    }

    /** A model without IPC (the memory model's scenarios). */
    public ScenarioModel(String name, String description, String variant, Map<String, Object> params, MachineSpec machine,
                         List<ProcessSpec> processes, PluginRef migrationPolicy, PluginRef hardening, long durationNs,
                         long sampleIntervalNs, Map<String, Long> costOverrides, List<ExpectationSpec> expectations,
                         SourceRef source) {
        this(name, description, variant, params, machine, processes, migrationPolicy, hardening, durationNs, sampleIntervalNs,
                costOverrides, expectations, source, null, List.of());
    }

    public ScenarioModel {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        processes = List.copyOf(processes);
        costOverrides = Map.copyOf(costOverrides);
        expectations = List.copyOf(expectations);
        events = events == null ? List.of() : List.copyOf(events);
        files = files == null ? List.of() : List.copyOf(files);
        if (writeback == null) {
            writeback = WritebackSpec.DEFAULT;
        }
    }

    /** The same model with {@code events} as its timed actions. */
    public ScenarioModel withEvents(List<EventSpec> newEvents) {
        return new ScenarioModel(name, description, variant, params, machine, processes, migrationPolicy, hardening, durationNs,
                sampleIntervalNs, costOverrides, expectations, source, ipc, newEvents, files, writeback);
    }
}

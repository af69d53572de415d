package io.serdistill.jobs.spark;

import io.serdistill.config.SerConfig;

import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU scheduling for the training stages. On a cluster with {@code ser.resources.gpu.per-task > 0} the training RDD
 * runs under a ResourceProfile asking that many GPUs per task, and each task binds ND4J to the first GPU address
 * Spark assigned it before creating any array. In local mode (no GPU resources) nothing changes: CPU backend.
 */
public final class GpuBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ser.gpu");

    private GpuBinding() {}

    /** Attaches the GPU profile to {@code rdd} when GPUs are requested and the master is not local. */
    static <T> JavaRDD<T> withGpus(JavaRDD<T> rdd, SerConfig.Resources settings, String master) {
        if (settings.gpuPerTask() <= 0) {
            return rdd;
        }
        if (master.startsWith("local")) {
            LOG.warn("ser.resources.gpu.per-task = {} is ignored in local mode: Spark has no GPU scheduling there; "
                    + "training runs on the CPU backend", settings.gpuPerTask());
            return rdd;
        }
        return rdd.withResources(profile(settings));
    }

    /**
     * Executors with {@code gpuPerTask} GPUs and {@code executorCores} cores (and the configured memory), tasks holding
     * all of both: one training task per executor, so each task has GPUs of its own. Setting the executor's cores
     * matters: without them a profile's executors take spark.executor.cores, which on standalone is every free core
     * of a worker.
     */
    static ResourceProfile profile(SerConfig.Resources s) {
        ExecutorResourceRequests executor = new ExecutorResourceRequests()
                .cores(s.executorCores())
                .resource("gpu", s.gpuPerTask(), s.discoveryScript(), s.vendor());
        if (!s.executorMemory().isEmpty()) {
            executor.memory(s.executorMemory());
        }
        if (!s.executorMemoryOverhead().isEmpty()) {
            executor.memoryOverhead(s.executorMemoryOverhead());
        }
        TaskResourceRequests task = new TaskResourceRequests().resource("gpu", s.gpuPerTask()).cpus(s.executorCores());
        return new ResourceProfileBuilder().require(executor).require(task).build();
    }

    /** The first GPU address of a task's resources, if it has any ("gpu" → ["0", "1"] gives 0). */
    static OptionalInt firstGpu(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return OptionalInt.empty();
        }
        String address = gpu.addresses()[0].trim();
        try {
            return OptionalInt.of(Integer.parseInt(address));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' assigned by Spark is not a device number; "
                    + "check the discovery script's output", e);
        }
    }

    /**
     * Called first thing in a training task: binds this thread's ND4J device to the GPU Spark assigned.
     * A no-op without an assignment (local mode, CPU backend).
     */
    static void bindCurrentTask(String model) {
        TaskContext tc = TaskContext.get();
        if (tc == null) {
            return;
        }
        OptionalInt gpu = firstGpu(tc.resourcesJMap());
        if (gpu.isPresent()) {
            Nd4j.getAffinityManager().unsafeSetDevice(gpu.getAsInt());
            ResourceInformation all = tc.resourcesJMap().get("gpu");
            LOG.info("{}: task {} on executor {} bound to GPU {} (assigned {})", model,
                    tc.taskAttemptId(), org.apache.spark.SparkEnv.get().executorId(), gpu.getAsInt(),
                    String.join(",", all.addresses()));
        }
    }
}

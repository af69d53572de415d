package io.serdistill.jobs.spark;

import io.serdistill.config.SerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.junit.jupiter.api.Test;

class GpuBindingTest {

    @Test
    void bindsToTheFirstAssignedGpu() {
        assertEquals(OptionalInt.of(3), GpuBinding.firstGpu(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3", "5"}))));
        assertEquals(OptionalInt.empty(), GpuBinding.firstGpu(Map.of()), "no GPU assigned: CPU backend");
        assertEquals(OptionalInt.empty(), GpuBinding.firstGpu(Map.of("gpu", new ResourceInformation("gpu", new String[0]))));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GpuBinding.firstGpu(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-uuid"}))));
        assertTrue(e.getMessage().contains("GPU-uuid"), e.getMessage());
    }

    @Test
    void profileAsksOneGpuPerTaskAndPerExecutor() {
        ResourceProfile p = GpuBinding.profile(new SerConfig.Resources(1, "/opt/gpu-discovery.sh", "nvidia.com", 3,
                "6g", "4g"));
        assertEquals(1.0, p.taskResources().get("gpu").get().amount());
        // The task holds every core of its executor: one training task per executor, whatever spark.executor.cores.
        assertEquals(3L, p.executorResources().get("cores").get().amount());
        assertEquals(3.0, p.taskResources().get("cpus").get().amount());
        assertEquals(6L * 1024, p.executorResources().get("memory").get().amount());
        assertEquals(4L * 1024, p.executorResources().get("memoryOverhead").get().amount());
        assertEquals(1L, p.executorResources().get("gpu").get().amount());
        assertEquals("/opt/gpu-discovery.sh", p.executorResources().get("gpu").get().discoveryScript());
        assertEquals("nvidia.com", p.executorResources().get("gpu").get().vendor());
    }

    @Test
    void profileLeavesMemoryToTheClusterWhenNotSet() {
        ResourceProfile p = GpuBinding.profile(new SerConfig.Resources(2, "./gpu-discovery.sh", "nvidia.com", 1, "", ""));
        assertEquals(2L, p.executorResources().get("gpu").get().amount());
        assertEquals(1L, p.executorResources().get("cores").get().amount());
        assertTrue(p.executorResources().get("memory").isEmpty());
        assertTrue(p.executorResources().get("memoryOverhead").isEmpty());
    }
}

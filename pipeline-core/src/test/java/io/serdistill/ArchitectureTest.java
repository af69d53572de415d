package io.serdistill;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The layering of pipeline-core's production classes, bottom to top (README, Layout):
 * <pre>
 *   audio, json  <-  data, model  <-  distill, eval, features, demo  <-  train  <-  representation
 *     <-  config, packaging  <-  predict
 * </pre>
 * A package depends only on packages of lower tiers, never on one of its own tier; nothing in core depends on demo
 * (the synthetic corpus the jobs write); no package cycles, sub-packages included; and core stays free of Spark,
 * Hadoop and Scala, so it runs (and is tested) without a cluster.
 */
@AnalyzeClasses(packages = "io.serdistill",
        importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {

    /** Bottom to top; each name is a package under io.serdistill together with its sub-packages. */
    static final List<List<String>> TIERS = List.of(
            List.of("audio", "json"),
            List.of("data", "model"),
            List.of("distill", "eval", "features", "demo"),
            List.of("train"),
            List.of("representation"),
            List.of("config", "packaging"),
            List.of("predict"));

    @ArchTest
    static final ArchRule topLevelPackagesAreFreeOfCycles = slices().matching("io.serdistill.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule subPackagesAreFreeOfCycles = slices().matching("io.serdistill.(**)")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule packagesDependOnlyOnLowerTiers = tiers();

    @ArchTest
    static final ArchRule nothingInCoreUsesTheDemoCorpus = noClasses()
            .that().resideOutsideOfPackage("io.serdistill.demo..")
            .should().dependOnClassesThat().resideInAPackage("io.serdistill.demo..");

    @ArchTest
    static final ArchRule coreIsFreeOfSparkHadoopAndScala = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..", "scala..");

    private static ArchRule tiers() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> tier : TIERS) {
            for (String layer : tier) {
                layers = layers.layer(layer).definedBy("io.serdistill." + layer + "..");
            }
        }
        for (int t = 0; t < TIERS.size(); t++) {
            List<String> above = new ArrayList<>();
            TIERS.subList(t + 1, TIERS.size()).forEach(above::addAll);
            for (String layer : TIERS.get(t)) {
                layers = above.isEmpty() ? layers.whereLayer(layer).mayNotBeAccessedByAnyLayer()
                        : layers.whereLayer(layer).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
            }
        }
        return layers;
    }
}

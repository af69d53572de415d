package io.serdistill.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.List;

/**
 * The layering of pipeline-jobs's production classes, bottom to top (README, Layout):
 * <pre>
 *   fs  <-  spark  <-  run  <-  report  <-  stages  <-  io.serdistill.jobs (SerCli, PipelineJob, StageRunner, AllFolds)
 * </pre>
 * A package depends only on packages below it; no package cycles; and no stage uses another stage's internals (the
 * stages share what they need through run: the roster of models, the layout, the table schemas).
 */
@AnalyzeClasses(packages = "io.serdistill.jobs",
        importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {

    /** Bottom to top: sub-packages of io.serdistill.jobs, then the package itself. */
    static final List<String> LAYERS = List.of("fs", "spark", "run", "report", "stages", "");

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices().matching("io.serdistill.jobs.(**)")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule packagesDependOnlyOnLowerLayers = layers();

    @ArchTest
    static final ArchRule noStageUsesAnotherStage = noClasses()
            .that().resideInAPackage("io.serdistill.jobs.stages")
            .and().haveSimpleNameEndingWith("Stage")
            .should().dependOnClassesThat(DescribedPredicate.describe(
                    "are another stage", c -> c.getPackageName().equals("io.serdistill.jobs.stages")
                            && c.getSimpleName().endsWith("Stage")));

    /** Which stage runs how in a cross-validation run is the stage's own declaration (Stage.foldRole), not a type test. */
    @ArchTest
    static final ArchRule runnersNameNoStage = noClasses()
            .that().haveSimpleName("StageRunner").or().haveSimpleName("AllFolds")
            .should().dependOnClassesThat().resideInAPackage("io.serdistill.jobs.stages");

    /** AllFolds is handed the runner of one sub-run; it does not call back into StageRunner. */
    @ArchTest
    static final ArchRule allFoldsDoesNotCallStageRunner = noClasses()
            .that().haveSimpleName("AllFolds")
            .should().callMethodWhere(DescribedPredicate.describe("declared in StageRunner",
                    call -> call.getTargetOwner().getSimpleName().equals("StageRunner")));

    private static ArchRule layers() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (String layer : LAYERS) {
            layers = layers.layer(name(layer)).definedBy(layer.isEmpty() ? "io.serdistill.jobs"
                    : "io.serdistill.jobs." + layer + "..");
        }
        for (int i = 0; i < LAYERS.size(); i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().map(ArchitectureTest::name)
                    .toArray(String[]::new);
            layers = above.length == 0 ? layers.whereLayer(name(LAYERS.get(i))).mayNotBeAccessedByAnyLayer()
                    : layers.whereLayer(name(LAYERS.get(i))).mayOnlyBeAccessedByLayers(above);
        }
        return layers;
    }

    private static String name(String layer) {
        return layer.isEmpty() ? "jobs" : layer;
    }
}

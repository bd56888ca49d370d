import Testing
@testable import LinbuildCore

/// A base recorded by form 1 (before issue 11's recipe arguments existed) stays good after the
/// upgrade when the Dockerfile's base stages do not declare the new arguments: they cannot have
/// shaped it. When they do declare one, form 1 never passed it, so the base is rebuilt.
@Suite struct BaseInputsFormOneTests {
    static let formOne: [(name: String, value: String)] = [
        ("NVIDIA_CUDA_TAG", "fixture-devel"), ("TORCH_CHANNEL", "stable"), ("TORCH_VER", "2.7.1+cu126"),
        ("TORCH_CUDA_SUFFIX", "cu126"), ("FA_VER", "2.7.4.post1"), ("CUDA_ARCH_LIST", "8.0;8.6"),
    ]
    static let text = "ARG BASE_IMAGE\nFROM busybox AS base\nARG TORCH_VER"

    /// What form 1 recorded: its arguments and the raw text, no platform, no form label.
    static var recorded: [String: String] {
        let lines = formOne.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value)\n" }.joined()
        return [BaseInputs.digestLabel: SHA256.hex(lines + "dockerfile=\(SHA256.hex(text))\n")]
    }

    func inputs(declaring declared: Set<String>) -> BaseInputs {
        BaseInputs(arguments: BuildArguments(Self.formOne + [("TORCHVISION_VER", "0.22.1"), ("OS_PACKAGES", "git"), ("MAX_JOBS", "4")]),
                   platform: "linux/amd64", normalForm: "n", legacyText: Self.text, declaredArguments: declared)
    }

    @Test func newArgumentsTheBaseStagesDoNotDeclareDoNotRebuildAFormOneBase() {
        #expect(inputs(declaring: ["TORCH_VER", "BASE_IMAGE"]).changes(comparedTo: Self.recorded) == [])
    }

    @Test func aNewArgumentTheBaseStagesDeclareRebuildsAFormOneBase() {
        #expect(inputs(declaring: ["TORCH_VER", "TORCHVISION_VER"]).changes(comparedTo: Self.recorded).contains("TORCHVISION_VER"))
        // Without the declared set (a caller that does not know it), every argument counts.
        let unknown = BaseInputs(arguments: BuildArguments(Self.formOne + [("OS_PACKAGES", "git")]), platform: "linux/amd64",
                                 normalForm: "n", legacyText: Self.text)
        #expect(!unknown.changes(comparedTo: Self.recorded).isEmpty)
    }
}

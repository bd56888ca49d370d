import Foundation
import Testing

/// The one Dockerfile fixture of the contract with the plan: the smallest file that declares what
/// linbuild passes (the base stage's build arguments, `BASE_IMAGE`, `LINNAEUS_REF`) in the stages
/// that use them. Every suite starts from it: the contract check breaks it one way per test (its
/// line numbers are pinned there), the plan suites hash it, and the end-to-end fixture builds it on
/// the local busybox. A suite that needs another shape derives it with `edited(_:)`.
public enum ContractFixture {
    public static let dockerfile = """
        ARG BASE_IMAGE
        ARG NVIDIA_CUDA_TAG
        FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base
        ARG TORCH_CHANNEL
        ARG TORCH_VER
        ARG TORCH_CUDA_SUFFIX TORCHVISION_VER TORCHAUDIO_VER FA_COMMIT OS_PACKAGES
        ARG FA_VER
        ARG CUDA_ARCH_LIST
        ARG MAX_JOBS
        RUN echo $TORCH_VER ${FA_VER} ${CUDA_ARCH_LIST:-none} $TORCH_CHANNEL $TORCH_CUDA_SUFFIX $MAX_JOBS

        FROM ${BASE_IMAGE} AS runtime
        ARG LINNAEUS_REF
        RUN echo $LINNAEUS_REF
        """

    /// The base stage's `FROM` line and its one `RUN` line, the runtime's `RUN` line: the anchors
    /// derived fixtures replace.
    public static let baseFrom = "FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base"
    public static let baseRun = "RUN echo $TORCH_VER ${FA_VER} ${CUDA_ARCH_LIST:-none} $TORCH_CHANNEL $TORCH_CUDA_SUFFIX $MAX_JOBS"
    public static let runtimeRun = "RUN echo $LINNAEUS_REF"

    /// `text` (the fixture unless given) with each `(anchor, replacement)` applied in turn. An
    /// anchor that is not there is a failed expectation, so an edit that silently stopped
    /// applying cannot pass for the case a test means to build.
    public static func edited(
        _ edits: (String, String)..., in text: String = dockerfile, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> String {
        edits.reduce(text) { text, edit in
            #expect(text.contains(edit.0), "fixture edit does not apply: \(edit.0)", sourceLocation: sourceLocation)
            return text.replacingOccurrences(of: edit.0, with: edit.1)
        }
    }

    /// The fixture as an engine builds it (the end-to-end suite): the base on the locally imported
    /// busybox (`image`), recording its build arguments in `/base-info`; the runtime holds the
    /// commit in `/app` and its SHA in `/app/REF`, which it prints. Its base declares only the
    /// arguments the contract names (docs/usage.md, Build arguments).
    public static func buildable(from image: String) -> String {
        edited(
            ("ARG NVIDIA_CUDA_TAG\n" + baseFrom, "FROM \(image) AS base\nARG NVIDIA_CUDA_TAG"),
            ("ARG TORCH_CUDA_SUFFIX TORCHVISION_VER TORCHAUDIO_VER FA_COMMIT OS_PACKAGES", "ARG TORCH_CUDA_SUFFIX"),
            (baseRun, #"RUN echo "torch=$TORCH_VER fa=$FA_VER arch=$CUDA_ARCH_LIST channel=$TORCH_CHANNEL" > /base-info"#),
            (runtimeRun, "COPY . /app\nRUN echo \"$LINNAEUS_REF\" > /app/REF\nCMD [\"cat\", \"/app/REF\"]")) + "\n"
    }
}

//! Documented seeds that make a sandbox job fail with a chosen error, so tests and
//! demos can show every error of the contract on demand.

use tryon_protocol::ErrorName;

/// The first trigger seed; the next five follow it.
pub const FIRST_TRIGGER_SEED: u32 = 4_000_000_001;

/// The error a trigger seed asks for, with the message the sandbox reports.
pub fn triggered_error(seed: u32) -> Option<(ErrorName, &'static str)> {
    Some(match seed.checked_sub(FIRST_TRIGGER_SEED)? {
        0 => (ErrorName::PoseError, "Sandbox (seed 4000000001): no body pose was found in the model image."),
        1 => (ErrorName::ImageLoadError, "Sandbox (seed 4000000002): the image could not be found at the specified URL (404)."),
        2 => (
            ErrorName::ContentModerationError,
            "Sandbox (seed 4000000003): the garment image is prohibited under the chosen moderation level.",
        ),
        3 => (ErrorName::PipelineError, "Sandbox (seed 4000000004): an unexpected failure while running; retry."),
        4 => (ErrorName::ThirdPartyError, "Sandbox (seed 4000000005): a third-party processor refused the inputs."),
        5 => (ErrorName::Other("SandboxUnknownError".into()), "Sandbox (seed 4000000006): an error name no client knows."),
        _ => return None,
    })
}

/// The table of trigger seeds, for `--help`-style listings and docs.
pub fn table() -> Vec<(u32, String)> {
    (0..6)
        .map(|i| FIRST_TRIGGER_SEED + i)
        .filter_map(|s| triggered_error(s).map(|(n, _)| (s, n.to_string())))
        .collect()
}

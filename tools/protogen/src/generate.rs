//! Generation of `src/proto/hushwire.v1.rs` from `proto/`, shared by the `protogen` tool
//! (which writes it) and hushwire's `tests/proto_codegen.rs` (which checks it is current).

use std::path::Path;

/// The schemas, relative to `proto/`.
pub const SCHEMAS: &[&str] = &[
    "hushwire/v1/attachment.proto",
    "hushwire/v1/business.proto",
    "hushwire/v1/device.proto",
    "hushwire/v1/envelope.proto",
    "hushwire/v1/group.proto",
    "hushwire/v1/prekey_bundle.proto",
    "hushwire/v1/session_state.proto",
    "hushwire/v1/verification.proto",
];

/// Messages that carry secrets: they get `Zeroize` + `ZeroizeOnDrop` so a decoded or
/// about-to-be-encoded session state is wiped when dropped, and no derived `Debug`
/// (src/proto/mod.rs implements a redacted one).
pub const SECRET_MESSAGES: &[&str] = &[
    ".hushwire.v1.SendingChain",
    ".hushwire.v1.ReceivingChain",
    ".hushwire.v1.SkippedKey",
    ".hushwire.v1.SessionState",
    ".hushwire.v1.SessionRecord",
    ".hushwire.v1.LinkOffer",
    ".hushwire.v1.SenderKeyDistribution",
    ".hushwire.v1.GroupSkippedKey",
    ".hushwire.v1.GroupReceiverChain",
    ".hushwire.v1.GroupMemberState",
    ".hushwire.v1.GroupSessionState",
    ".hushwire.v1.AttachmentPointer",
    ".hushwire.v1.Payload",
];

/// Generates the prost code for the crate rooted at `root`, using `scratch` as the output
/// directory, and returns it.
pub fn generate(root: &Path, scratch: &Path) -> Result<String, String> {
    let fds = protox::compile(SCHEMAS, [root.join("proto")]).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let mut config = prost_build::Config::new();
    config.out_dir(scratch);
    for name in SECRET_MESSAGES {
        config.type_attribute(name, "#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]");
    }
    config.skip_debug(SECRET_MESSAGES.iter().copied());
    // PreKeyInfo is a field of SessionState, so it must be Zeroize too (it holds no secret).
    config.type_attribute(".hushwire.v1.PreKeyInfo", "#[derive(zeroize::Zeroize)]");
    // Likewise the verified business a session records (public values only).
    config.type_attribute(
        ".hushwire.v1.BusinessIdentity",
        "#[derive(zeroize::Zeroize)]",
    );
    config.compile_fds(fds).map_err(|e| e.to_string())?;
    std::fs::read_to_string(scratch.join("hushwire.v1.rs")).map_err(|e| e.to_string())
}

//! Generates the four vendors' clients from the workspace's spec files into `OUT_DIR`:
//! one file per spec, formatted, rewritten only when it changes; editing a spec reruns
//! this script. A mistake in a spec fails the build with its `file:line:col`.

fn main() -> Result<(), auth_codegen::build::Error> {
    auth_codegen::Builder::new()
        .specs([
            "../../specs/crmcom.toml",
            "../../specs/currencycloud.toml",
            "../../specs/modulus.toml",
            "../../specs/modulus_jwt.toml",
            "../../specs/onebox.toml",
        ])
        .runtime_crate("::auth_runtime")
        .generate()?;
    Ok(())
}

//! `authgen`: check, generate and explain vendor spec files.
//!
//! ```text
//! authgen check specs/*.toml         validate; print every problem as file:line:col (exit 1 on any)
//! authgen generate specs/crmcom.toml print the formatted Rust the build script would write
//! authgen explain specs/crmcom.toml  the credential rules and the login, in plain words
//! ```

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use auth_codegen::SpecFile;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "authgen",
    version,
    about = "Check, generate and explain authgen vendor spec files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validates spec files and prints every problem with its file:line:col; exits 1 on any.
    Check {
        /// The spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Prints the formatted Rust a spec generates (what `auth_codegen::Builder` writes).
    Generate {
        /// The spec file.
        spec: PathBuf,
        /// The path generated code names the runtime crate by.
        #[arg(long = "crate", value_name = "PATH", default_value = "::auth_runtime")]
        runtime: String,
    },
    /// Prints in plain words what the spec's credentials must be and how it logs in.
    Explain {
        /// The spec file.
        spec: PathBuf,
    },
    /// Prints the grammar: every key of a spec file and of the attribute, where it goes,
    /// its value and what it means (markdown).
    Keys,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &PathBuf) -> Result<SpecFile, String> {
    SpecFile::read(path).map_err(|e| format!("error: cannot read `{}`: {e}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check { specs } => {
            let mut failed = false;
            for path in &specs {
                let file = match read(path) {
                    Ok(file) => file,
                    Err(message) => {
                        eprintln!("{message}\n");
                        failed = true;
                        continue;
                    }
                };
                match file.provider() {
                    Ok(provider) => println!(
                        "ok: {} ({}, {} credential fields)",
                        file.name,
                        provider.ident,
                        provider.fields.len()
                    ),
                    Err(errors) => {
                        failed = true;
                        let count = errors.diagnostics.len();
                        let plural = if count == 1 { "" } else { "s" };
                        eprintln!("{errors}\n");
                        eprintln!("{}: {count} problem{plural}\n", file.name);
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Generate { spec, runtime } => {
            let file = read(&spec)?;
            let runtime = syn::parse_str::<syn::Path>(&runtime).map_err(|_| {
                format!("error: `--crate {runtime}` is not a Rust path such as `::auth_runtime`")
            })?;
            let code = auth_codegen::build::generate_file(&file, Some(&runtime))
                .map_err(|e| e.to_string())?;
            print(&code)
        }
        Command::Explain { spec } => {
            let file = read(&spec)?;
            let provider = file.provider().map_err(|e| e.to_string())?;
            print(&auth_codegen::explain::explain(&provider))
        }
        Command::Keys => print(&auth_codegen::reference()),
    }
}

/// Prints to stdout; a closed pipe (`authgen generate x | head`) is not an error.
fn print(text: &str) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(format!("error: cannot write to stdout: {e}")),
    }
}

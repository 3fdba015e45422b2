//! `authgen`: check, generate and explain vendor spec files; import them from OpenAPI.
//!
//! ```text
//! authgen check specs/*.toml         validate; print every problem as file:line:col (exit 1 on any)
//! authgen generate specs/crmcom.toml print the formatted Rust the build script would write
//! authgen explain specs/crmcom.toml  the credential rules and the login, in plain words
//! authgen import openapi.yaml        a spec-file skeleton for the document's token login
//! authgen probe specs/x.toml --base URL   log in once; the answer against the spec
//! authgen token specs/x.toml --base URL   a fresh token on stdout, cached while fresh
//! ```

mod import;
mod live;
mod probe;
mod token;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use auth_codegen::SpecFile;
use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  authgen check specs/*.toml
  authgen generate specs/crmcom.toml > src/crmcom.rs
  authgen explain specs/crmcom.toml
  authgen import openapi.yaml --output specs/example.toml
  AUTHGEN_PASSWORD=... authgen probe specs/onebox.toml --setting host=https://api.onebox.example
  curl -H \"Authorization: Bearer $(authgen token specs/onebox.toml --base https://api.onebox.example)\" ...
  authgen keys > KEYS.md";

const PROBE_EXAMPLES: &str = "\
Examples:
  authgen probe specs/crmcom.toml --setting server=https://staging.crm.example
  AUTHGEN_ORGANISATION=ACME AUTHGEN_USERNAME=ada authgen probe specs/crmcom.toml --base http://127.0.0.1:8080

Credentials come from environment variables (--env-prefix, then the field's name in
upper case) and, on a terminal, a prompt for each one missing (secrets without echo);
never from arguments. The report shows each expected value's shape, never its text,
and where a missing one has a similar value.

Exit status: 0 the answer is as the spec describes it; 1 it differs; 2 the command
could not start (spec, settings, credentials); 3 the vendor refused the credentials
with a documented failure; 4 no answer (connection, TLS, timeout).";

const TOKEN_EXAMPLES: &str = "\
Examples:
  TOKEN=$(authgen token specs/onebox.toml --setting host=https://api.onebox.example)
  authgen token specs/crmcom.toml --base http://127.0.0.1:8080 --no-cache

The token goes to stdout alone (a line); messages go to stderr. It is cached in
$XDG_CACHE_HOME/authgen/tokens.json (or ~/.cache/...; --cache FILE), readable by its
owner only, and reused while it is fresh. Exit status as for `authgen probe`.";

const CHECK_EXAMPLES: &str = "\
Examples:
  authgen check specs/crmcom.toml
  authgen check specs/*.toml     # every problem of every file, then exit 1 on any";

const GENERATE_EXAMPLES: &str = "\
Examples:
  authgen generate specs/crmcom.toml
  authgen generate specs/crmcom.toml --crate ::my_app::auth > src/crmcom.rs";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  authgen explain specs/currencycloud.toml";

const IMPORT_EXAMPLES: &str = "\
Examples:
  authgen import openapi.yaml                          # the login found by its name
  authgen import openapi.json --operation createToken  # by operationId
  authgen import openapi.json --operation 'POST /v1/login'
  authgen import openapi.yaml --operation oauth.clientCredentials --output specs/x.toml

Without --operation the login is a POST with a request body whose path, operationId
or summary says login, token, auth or session, or an OAuth 2.0 password or
clientCredentials flow; stderr says which was chosen and why, and when several fit,
lists them. The skeleton passes `authgen check`; its `# TODO` lines say what the
document cannot tell (the token's lifetime, rules between fields, guesses).";

const KEYS_EXAMPLES: &str = "\
Examples:
  authgen keys | less";

#[derive(Parser)]
#[command(
    name = "authgen",
    version,
    about = "Check, generate and explain authgen vendor spec files; import them from OpenAPI; probe a vendor with one; get a token",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validates spec files and prints every problem with its file:line:col; exits 1 on any.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        /// The spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Prints the formatted Rust a spec generates (what `auth_codegen::Builder` writes).
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate {
        /// The spec file.
        spec: PathBuf,
        /// The path generated code names the runtime crate by.
        #[arg(long = "crate", value_name = "PATH", default_value = "::auth_runtime")]
        runtime: String,
    },
    /// Prints in plain words what the spec's credentials must be and how it logs in.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// The spec file.
        spec: PathBuf,
    },
    /// Writes a spec-file skeleton for the token login of an OpenAPI 3.0 document
    /// (YAML or JSON).
    #[command(after_help = IMPORT_EXAMPLES)]
    Import {
        /// The OpenAPI document: `.yaml`, `.yml` or `.json` (otherwise told by its content).
        document: PathBuf,
        /// The login: an operationId, `METHOD /path`, or `scheme.flow` for an OAuth 2.0
        /// flow (`oauth.password`, `oauth.clientCredentials`).
        #[arg(long, value_name = "ID")]
        operation: Option<String>,
        /// Write the spec here instead of to stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Logs in once to a live (or simulated) vendor and reports what its answer holds
    /// against what the spec expects.
    #[command(after_help = PROBE_EXAMPLES)]
    Probe {
        #[command(flatten)]
        target: live::Target,
    },
    /// Prints a fresh token to stdout, reusing a cached one while it is fresh.
    #[command(after_help = TOKEN_EXAMPLES)]
    Token {
        #[command(flatten)]
        target: live::Target,
        /// The cache file.
        #[arg(long, value_name = "FILE", conflicts_with = "no_cache")]
        cache: Option<PathBuf>,
        /// Neither reads nor writes a cache: always logs in.
        #[arg(long)]
        no_cache: bool,
    },
    /// Prints the grammar: every key of a spec file and of the attribute, where it goes,
    /// its value and what it means (markdown).
    #[command(after_help = KEYS_EXAMPLES)]
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
        Command::Import {
            document,
            operation,
            output,
        } => import(&document, operation.as_deref(), output.as_deref()),
        Command::Probe { target } => Ok(probe::run(&target)),
        Command::Token {
            target,
            cache,
            no_cache,
        } => Ok(token::run(&target, cache, no_cache)),
        Command::Keys => print(&auth_codegen::reference()),
    }
}

fn import(
    document: &Path,
    operation: Option<&str>,
    output: Option<&Path>,
) -> Result<ExitCode, String> {
    // Deeply nested documents are refused by both parsers; a large stack keeps the
    // recursion before their limits far from the edge.
    let document = document.to_owned();
    let operation = operation.map(str::to_owned);
    let imported = std::thread::Builder::new()
        .name("authgen-import".to_owned())
        .stack_size(64 * 1024 * 1024)
        .spawn(move || import::import(&document, operation.as_deref()))
        .map_err(|e| format!("error: cannot start the import: {e}"))?
        .join()
        .map_err(|_| {
            "error: bug in `authgen import`: it panicked; please report it with the document"
                .to_owned()
        })??;
    eprintln!("authgen import: {}", imported.chosen);
    match output {
        None => print(&imported.text),
        Some(path) => {
            std::fs::write(path, &imported.text)
                .map_err(|e| format!("error: cannot write `{}`: {e}", path.display()))?;
            eprintln!("authgen import: wrote `{}`", path.display());
            Ok(ExitCode::SUCCESS)
        }
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

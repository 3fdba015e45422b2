//! What `probe` and `token` share: a spec made a provider at run time, pointed at a
//! base URL, and credentials read from environment variables or a prompt (never from
//! the command line, never echoed).

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;

use auth_runtime::__private::FieldValues;
use auth_runtime::description::{Description, DynamicProvider, DynamicValues};
use clap::Args;

/// Where the vendor is and how to log in to it.
#[derive(Args, Debug)]
pub(crate) struct Target {
    /// The spec file.
    pub(crate) spec: PathBuf,
    /// Sends every request here instead of the spec's base (a staging host, a local
    /// simulator). Plain http only to loopback hosts.
    #[arg(long, value_name = "URL")]
    pub(crate) base: Option<String>,
    /// A value for a placeholder of the spec's base: `--setting account=demo`.
    #[arg(long = "setting", value_name = "NAME=VALUE", value_parser = setting)]
    pub(crate) settings: Vec<(String, String)>,
    /// Reads each credential field from the environment variable PREFIX followed by
    /// its name in upper case (`AUTHGEN_PASSWORD`).
    #[arg(long, value_name = "PREFIX", default_value = "AUTHGEN_")]
    pub(crate) env_prefix: String,
    /// Never prompts for a field the environment does not give.
    #[arg(long)]
    pub(crate) no_prompt: bool,
    /// Seconds to wait for the vendor's answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub(crate) timeout: u64,
}

fn setting(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

/// Why a command could not start: shown, then exit [`USAGE`].
pub(crate) struct Usage(pub(crate) String);

/// The answer is as described: a token, and every value the spec reads.
pub(crate) const MATCHES: u8 = 0;
/// The answer differs from the description.
pub(crate) const DIFFERS: u8 = 1;
/// The command could not start (spec, settings, credentials).
pub(crate) const USAGE: u8 = 2;
/// The vendor refused the credentials with a documented failure.
pub(crate) const REFUSED: u8 = 3;
/// No answer: connection, TLS or timeout.
pub(crate) const UNREACHABLE: u8 = 4;

/// The exit status a shared failure means: no answer (connection, TLS, timeout), a
/// setting or the credentials that could not be used, a refusal held from before, or
/// an answer other than the spec says.
pub(crate) fn exit_code(error: &auth_runtime::Error) -> u8 {
    use auth_runtime::Error;
    match error {
        Error::Transport { .. } | Error::Timeout { .. } | Error::Interrupted { .. } => UNREACHABLE,
        Error::InvalidUrl { .. }
        | Error::InvalidCredentials(_)
        | Error::OriginNotAllowed { .. } => USAGE,
        Error::RefusedRecently { .. } => REFUSED,
        _ => DIFFERS,
    }
}

/// Says `message` on stderr and exits with `code`.
pub(crate) fn fail(code: u8, message: &str) -> std::process::ExitCode {
    eprintln!("{message}");
    std::process::ExitCode::from(code)
}

/// What `probe` and `token` start from.
pub(crate) struct Started {
    pub(crate) description: &'static Description,
    pub(crate) provider: DynamicProvider,
    pub(crate) credentials: DynamicValues,
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl Target {
    /// The provider pointed where the user said, its credentials, and a runtime to
    /// talk to the vendor on; or the exit after saying why not.
    pub(crate) fn start(&self) -> Result<Started, std::process::ExitCode> {
        self.started()
            .map_err(|Usage(message)| fail(USAGE, &message))
    }

    fn started(&self) -> Result<Started, Usage> {
        let (description, provider) = self.provider()?;
        let credentials = self.credentials(description)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Usage(format!("error: cannot start: {e}")))?;
        Ok(Started {
            description,
            provider,
            credentials,
            runtime,
        })
    }

    /// The spec's description, and the provider pointed where the user said.
    fn provider(&self) -> Result<(&'static Description, DynamicProvider), Usage> {
        let file = crate::read(&self.spec).map_err(Usage)?;
        let provider = file.provider().map_err(|e| Usage(e.to_string()))?;
        // The command acts on one spec for its whole run: the description lives as long.
        let arena: &'static auth_codegen::Bump = Box::leak(Box::default());
        let description: &'static Description = arena.alloc(provider.describe(arena));
        let mut dynamic = DynamicProvider::new(description);
        for (name, value) in &self.settings {
            dynamic = dynamic
                .setting(name, value)
                .map_err(|e| Usage(format!("error: {e}")))?;
        }
        if let Some(base) = &self.base {
            dynamic = dynamic.with_base_url(base);
        } else {
            let missing: Vec<&str> = description
                .settings
                .iter()
                .filter(|s| !self.settings.iter().any(|(n, _)| n == *s))
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(Usage(format!(
                    "error: the base `{}` needs {}: give `--setting NAME=VALUE` for each, or `--base URL`",
                    description.base,
                    missing
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        Ok((description, dynamic))
    }

    /// The credentials: from the environment, then (on a terminal, unless
    /// `--no-prompt`) a prompt for each field still missing; secrets are read without
    /// echo.
    pub(crate) fn credentials(
        &self,
        description: &'static Description,
    ) -> Result<DynamicValues, Usage> {
        let table = description.credentials;
        let mut values = FieldValues::from_env(table, &self.env_prefix);
        let prompt = !self.no_prompt && std::io::stdin().is_terminal();
        for (index, field) in table.fields().iter().enumerate() {
            if values.given(index) || !prompt {
                continue;
            }
            let optional = if field.is_optional() {
                " (Enter to leave out)"
            } else {
                ""
            };
            let question = format!(
                "{} `{}` ({}){optional}: ",
                description.vendor,
                field.name(),
                table.env_var(&self.env_prefix, field)
            );
            let answer = if field.is_secret() {
                rpassword::prompt_password(question)
            } else {
                ask(&question)
            }
            .map_err(|e| Usage(format!("error: cannot read `{}`: {e}", field.name())))?;
            if !answer.is_empty() {
                values.set(index, answer);
            }
        }
        DynamicValues::checked(values).map_err(|e| {
            Usage(format!(
                "error: {e}\n(set each field in the environment variable {}<FIELD>, or run on a terminal to be asked)",
                self.env_prefix
            ))
        })
    }
}

/// Asks on stderr, reads a line from stdin.
fn ask(question: &str) -> std::io::Result<String> {
    let mut err = std::io::stderr().lock();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

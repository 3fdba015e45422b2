//! Generation from build scripts: spec files → formatted Rust in `OUT_DIR`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), auth_codegen::build::Error> {
//!     auth_codegen::Builder::new()
//!         .spec("specs/crmcom.toml")
//!         .spec("specs/onebox.toml")
//!         .generate()?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs: one file per spec, named after it.
//! include!(concat!(env!("OUT_DIR"), "/crmcom.rs"));
//! ```
//!
//! Each spec goes through the same pipeline as the attribute (tree → one lowering →
//! IR → validate → expand), so a vendor described both ways generates the same code.
//! The output is formatted with prettyplease, starts with an `@generated` header, and is
//! written only when its content changed (so nothing downstream rebuilds needlessly).
//! `cargo:rerun-if-changed` is printed for every spec. A problem in a spec fails the
//! build with `file:line:col` and the offending key, as [`Error`]'s `Display` and
//! `Debug` both show it (so `fn main() -> Result<(), Error>` prints it readably).

use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

use crate::pipeline::{self, SpecErrors, SpecFile};

/// Generates Rust from spec files, for build scripts.
#[derive(Debug, Clone)]
pub struct Builder {
    specs: Vec<PathBuf>,
    runtime: Option<String>,
    out_dir: Option<PathBuf>,
    rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// No specs yet; the runtime crate is `::auth_runtime`, the output goes to `OUT_DIR`.
    pub fn new() -> Self {
        Builder {
            specs: Vec::new(),
            runtime: None,
            out_dir: None,
            rerun_if_changed: true,
        }
    }

    /// Adds a spec file (relative paths are relative to the package, where build scripts
    /// run). Its output is `<file stem>.rs`.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.specs.push(path.into());
        self
    }

    /// Adds several spec files.
    pub fn specs<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.specs.extend(paths.into_iter().map(Into::into));
        self
    }

    /// The path generated code names the runtime crate by, e.g. `::my_crate::auth` when
    /// `auth-runtime` is re-exported; `::auth_runtime` by default.
    pub fn runtime_crate(mut self, path: impl Into<String>) -> Self {
        self.runtime = Some(path.into());
        self
    }

    /// Writes to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed=<spec>` for every spec (on by default;
    /// turn it off outside build scripts).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.rerun_if_changed = emit;
        self
    }

    /// Generates every spec. Returns the files written or left unchanged, in the order
    /// the specs were added. Every spec is checked, and every problem reported, before
    /// this fails.
    pub fn generate(&self) -> Result<Vec<PathBuf>, Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let runtime = self.runtime_path()?;
        let mut problems = Vec::new();
        let mut outputs = Vec::new();
        for path in &self.specs {
            if self.rerun_if_changed {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            let result = pipeline::read_spec(path)
                .map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })
                .and_then(|file| generate_file(&file, runtime.as_ref()));
            match result {
                Ok(code) => outputs.push((output_name(path)?, code)),
                Err(error) => problems.push(error),
            }
        }
        if !problems.is_empty() {
            return Err(Error::many(problems));
        }
        std::fs::create_dir_all(&out_dir).map_err(|source| Error::Write {
            path: out_dir.clone(),
            source,
        })?;
        let mut written = Vec::new();
        for (name, code) in outputs {
            let target = out_dir.join(name);
            write_if_changed(&target, &code)?;
            written.push(target);
        }
        Ok(written)
    }

    fn runtime_path(&self) -> Result<Option<syn::Path>, Error> {
        self.runtime
            .as_deref()
            .map(|text| {
                syn::parse_str::<syn::Path>(text).map_err(|_| Error::RuntimePath(text.to_owned()))
            })
            .transpose()
    }
}

/// The tokens a spec generates, with the runtime crate at `runtime` (`::auth_runtime`
/// when `None`).
pub fn expand_spec(file: &SpecFile, runtime: Option<&syn::Path>) -> Result<TokenStream, Error> {
    pipeline::spec_tokens(file, runtime).map_err(Error::Spec)
}

/// The formatted file a spec generates: the `@generated` header, then the code.
pub fn generate_file(file: &SpecFile, runtime: Option<&syn::Path>) -> Result<String, Error> {
    let tokens = expand_spec(file, runtime)?;
    let code = format(tokens).map_err(|e| Error::Format(e.to_string()))?;
    Ok(format!(
        "// @generated by authgen from `{}`. Do not edit: edit the spec and rebuild.\n\n{code}",
        file.name.replace('\\', "/")
    ))
}

/// Formats generated tokens as a Rust file, with prettyplease.
pub fn format(tokens: TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}

fn output_name(spec: &Path) -> Result<String, Error> {
    spec.file_stem()
        .and_then(|stem| stem.to_str())
        .filter(|stem| !stem.is_empty())
        .map(|stem| format!("{stem}.rs"))
        .ok_or_else(|| Error::Read {
            path: spec.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the spec's file name must be valid UTF-8",
            ),
        })
}

/// Writes `content` to `path` unless it already holds exactly that.
fn write_if_changed(path: &Path, content: &str) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// Why generation failed.
#[non_exhaustive]
pub enum Error {
    /// Problems in a spec, each with its `file:line:col`.
    Spec(SpecErrors),
    /// A spec could not be read.
    Read {
        /// The spec.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An output could not be written.
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `OUT_DIR` is not set: not running in a build script, and no `out_dir` given.
    NoOutDir,
    /// The runtime crate path is not a Rust path.
    RuntimePath(String),
    /// The generated code could not be parsed for formatting (a generator bug).
    Format(String),
    /// Several of the above, one per spec.
    Many(Vec<Error>),
}

impl Error {
    fn many(mut errors: Vec<Error>) -> Self {
        if errors.len() == 1
            && let Some(error) = errors.pop()
        {
            return error;
        }
        Error::Many(errors)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(errors) => write!(f, "{errors}"),
            Error::Read { path, source } => {
                write!(f, "error: cannot read the spec `{}`: {source}", path.display())
            }
            Error::Write { path, source } => {
                write!(f, "error: cannot write `{}`: {source}", path.display())
            }
            Error::NoOutDir => f.write_str(
                "error: OUT_DIR is not set: run the Builder from a build script, or give it `out_dir(...)`",
            ),
            Error::RuntimePath(text) => write!(
                f,
                "error: the runtime crate path `{text}` is not a Rust path such as `::auth_runtime`"
            ),
            Error::Format(message) => write!(
                f,
                "error: the generated code does not parse ({message}); this is an authgen bug"
            ),
            Error::Many(errors) => {
                for (i, error) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n\n")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
        }
    }
}

/// The same as `Display`: a build script's `main` returning this error prints it with
/// `Debug`, and the user should read the spec's `file:line:col`, not a struct dump.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spec(errors) => Some(errors),
            Error::Read { source, .. } | Error::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}

//! The committed code in `auth-vendors/src/generated/` is what `specs/*.toml` generates
//! today.
//!
//! `specs/*.toml` is the only source of the shipped vendors; `auth-vendors/src/generated/
//! <spec>.rs` is its output, committed so that using `auth-vendors` needs no generator.
//! The test lives here, beside the generator, so that it runs (and can rewrite the files)
//! even when a generator change leaves the committed code unable to compile. These tests
//! regenerate every spec and fail when a committed file differs. To refresh the files
//! after changing a spec or the generator:
//!
//! ```text
//! AUTHGEN_BLESS=1 cargo test -p auth-codegen --test vendors_generated
//! ```

use std::path::{Path, PathBuf};

use auth_codegen::SpecFile;

/// The command that rewrites the committed files.
const BLESS: &str = "AUTHGEN_BLESS=1 cargo test -p auth-codegen --test vendors_generated";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn generated_dir() -> PathBuf {
    workspace().join("auth-vendors/src/generated")
}

/// The file stems of the entries of `dir` ending in `.extension`, sorted.
fn stems(dir: &Path, extension: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    stems.sort();
    stems
}

/// What `specs/<stem>.toml` generates, as committed. The spec is named by its path from
/// the workspace root, so the `@generated` header is the same on every machine.
fn regenerate(stem: &str) -> String {
    let relative = format!("specs/{stem}.toml");
    let path = workspace().join(&relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let code = auth_codegen::build::generate_file(&SpecFile::new(relative, text), None)
        .unwrap_or_else(|e| panic!("{e}"));
    // The generator's header says to rebuild; here the output is committed, so say how.
    match code.split_once('\n') {
        Some((header, rest)) => format!("{header}\n// Committed: refresh with `{BLESS}`.\n{rest}"),
        None => code,
    }
}

/// Where two texts first differ, as `line N: committed | regenerated`.
fn first_difference(committed: &str, fresh: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut fresh_lines = fresh.lines();
    for line in 1.. {
        match (committed_lines.next(), fresh_lines.next()) {
            (None, None) => return "only in line endings".to_owned(),
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "line {line}:\n  committed:   {}\n  regenerated: {}",
                    a.unwrap_or("(end of file)"),
                    b.unwrap_or("(end of file)")
                );
            }
        }
    }
    unreachable!()
}

#[test]
fn committed_code_is_what_the_specs_generate() {
    let bless = std::env::var_os("AUTHGEN_BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let mut stale = Vec::new();
    for stem in stems(&workspace().join("specs"), "toml") {
        let fresh = regenerate(&stem);
        let target = generated_dir().join(format!("{stem}.rs"));
        let committed = std::fs::read_to_string(&target).unwrap_or_default();
        if committed == fresh {
            continue;
        }
        if bless {
            std::fs::write(&target, &fresh).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            eprintln!("rewrote auth-vendors/src/generated/{stem}.rs");
        } else {
            stale.push(format!(
                "auth-vendors/src/generated/{stem}.rs is not what specs/{stem}.toml generates; first difference at {}",
                first_difference(&committed, &fresh)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n\nThe spec or the generator changed since the code was generated. Review the \
         spec, then refresh the committed code with\n\n    {BLESS}\n\nand commit the result.",
        stale.join("\n\n")
    );
}

/// Every spec has its generated file, and every generated file its spec (and its
/// `include!` in `auth-vendors/src/lib.rs`), so a vendor cannot be added or removed on one side only.
#[test]
fn every_spec_has_a_generated_file_and_every_file_a_spec() {
    let specs = stems(&workspace().join("specs"), "toml");
    let generated = stems(&generated_dir(), "rs");
    assert_eq!(
        specs, generated,
        "specs/*.toml and auth-vendors/src/generated/*.rs must match one to one: a new spec \
         gets its file with `{BLESS}` (and an `include!` in auth-vendors/src/lib.rs); a \
         removed spec's file is deleted"
    );
    let lib = std::fs::read_to_string(workspace().join("auth-vendors/src/lib.rs"))
        .expect("auth-vendors/src/lib.rs");
    for stem in &generated {
        let include = format!("include!(\"generated/{stem}.rs\")");
        assert_eq!(
            lib.matches(&include).count(),
            1,
            "auth-vendors/src/lib.rs must have `{include};` exactly once, in the vendor's module"
        );
    }
}

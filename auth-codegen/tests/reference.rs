//! The grammar reference in `specs/README.md` is the key table's own rendering
//! (`auth_codegen::reference`), so the documented keys are the accepted keys.

use std::path::PathBuf;

const START: &str = "<!-- keys:start -->\n";
const END: &str = "<!-- keys:end -->";

#[test]
fn the_schema_in_specs_readme_is_the_key_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/README.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text
        .find(START)
        .expect("specs/README.md has a keys:start marker")
        + START.len();
    let end = text
        .find(END)
        .expect("specs/README.md has a keys:end marker");
    let reference = auth_codegen::reference();
    if text[start..end] == reference {
        return;
    }
    if std::env::var_os("AUTHGEN_BLESS").is_some() {
        let updated = format!("{}{reference}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    panic!(
        "the key tables in specs/README.md are stale; rewrite them with \
         `AUTHGEN_BLESS=1 cargo test -p auth-codegen --test reference`"
    );
}

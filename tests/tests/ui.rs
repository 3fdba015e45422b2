//! Compile-time behaviour, as a user sees it: credentials that compile, credentials the
//! vendor would refuse (each with the message pinned in a reviewed `.stderr`), and
//! mistakes in the attribute itself.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

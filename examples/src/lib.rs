//! Examples live in `examples/*.rs`. This library only carries the README's code
//! blocks, compiled (and, where they need no network, run) as doctests, so that the
//! README cannot drift from the API.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeExamples;

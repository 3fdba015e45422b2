//! Collects every problem found in a description, so the user sees all of them in one
//! compile (the way serde_derive's context does).
//!
//! A problem is recorded at a [`Location`]: a span of Rust source (reported by the
//! macro as a `compile_error!` at that span) or a byte range of a spec file (rendered as
//! `file:line:col` by [`crate::parse::spec`]).

use std::cell::RefCell;

use proc_macro2::{Span, TokenStream};

use crate::model::Location;

/// The problems found so far. Shared by reference between nested parsers, hence the
/// `RefCell`.
#[derive(Default)]
pub(crate) struct Errors {
    entries: RefCell<Vec<Entry>>,
}

enum Entry {
    Rust(syn::Error),
    #[cfg_attr(not(feature = "spec"), allow(dead_code))]
    Spec {
        start: usize,
        end: usize,
        message: String,
    },
}

/// One recorded problem.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "spec"), allow(dead_code))]
pub(crate) struct Diagnostic {
    /// Where it is.
    pub(crate) location: Location,
    /// What is wrong, in words.
    pub(crate) message: String,
}

impl Errors {
    /// Records a problem at `location`.
    pub(crate) fn error(&self, location: impl Into<Location>, message: impl std::fmt::Display) {
        let entry = match location.into() {
            Location::Rust(span) => Entry::Rust(syn::Error::new(span, message)),
            Location::Spec { start, end } => Entry::Spec {
                start,
                end,
                message: message.to_string(),
            },
        };
        self.entries.borrow_mut().push(entry);
    }

    /// Records a parse error.
    pub(crate) fn push(&self, error: syn::Error) {
        self.entries.borrow_mut().push(Entry::Rust(error));
    }

    /// Whether nothing was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }

    /// The problems as `compile_error!` invocations (problems in a spec file at the call
    /// site; render those with [`Errors::diagnostics`] to say where they are).
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.entries
            .borrow()
            .iter()
            .map(|entry| match entry {
                Entry::Rust(error) => error.to_compile_error(),
                Entry::Spec { message, .. } => {
                    syn::Error::new(Span::call_site(), message).to_compile_error()
                }
            })
            .collect()
    }

    /// Every problem, in the order found.
    #[cfg_attr(not(feature = "spec"), allow(dead_code))]
    pub(crate) fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for entry in self.entries.borrow().iter() {
            match entry {
                Entry::Rust(error) => {
                    out.extend(error.clone().into_iter().map(|e| Diagnostic {
                        location: Location::Rust(e.span()),
                        message: e.to_string(),
                    }));
                }
                Entry::Spec {
                    start,
                    end,
                    message,
                } => out.push(Diagnostic {
                    location: Location::Spec {
                        start: *start,
                        end: *end,
                    },
                    message: message.clone(),
                }),
            }
        }
        out
    }
}

/// ` (did you mean `x`?)` when a known word is close to what was written.
pub(crate) fn did_you_mean(written: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(written, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

//! The credentials builder: a typestate per field, and the vendor's rules as trait
//! bounds that name the vendor and the fields when they fail.
//!
//! Each field has a type parameter, `Set` or `Unset`. Each rule is a trait implemented
//! only for the combinations of states it allows, marked
//! `#[diagnostic::on_unimplemented]` with the rule in the vendor's words. Bounds on
//! `build()`'s own where clause make rustc report an unmet rule at the `.build()` call
//! (E0277 with our message); bounds on a setter report a conflicting alternative at
//! that setter's call.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::credentials::value_type;
use super::{Names, camel_case};
use crate::model::{Charset, Check, Field, Provider};
use crate::rules::{RuleKind, credential_rules};

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let Names {
        builder,
        credentials,
        rules,
        ..
    } = names;
    let vendor = &provider.vendor.value;
    let state = quote!(#rt::__private::FieldState);
    let set = quote!(#rt::__private::Set);
    let unset = quote!(#rt::__private::Unset);

    let fields = &provider.fields;
    let params: Vec<Ident> = fields
        .iter()
        .map(|f| format_ident!("{}", camel_case(&f.ident.to_string())))
        .collect();
    let param_of = |ident: &Ident| provider.field_index(ident).map(|i| params[i].clone());

    let slots = fields.iter().zip(&params).map(|(field, param)| {
        let ident = &field.ident;
        let ty = value_type(field, rt);
        quote!(#ident: <#param as #state>::Slot<#ty>)
    });

    let table = credential_rules(provider);
    let mut rule_items = Vec::new();
    let mut setter_bounds: Vec<Vec<TokenStream>> = vec![Vec::new(); fields.len()];
    let mut build_bounds = Vec::new();
    for rule in &table {
        let message = rule.message(provider);
        let (label, note) = (&rule.label, rule.note.as_deref());
        match &rule.kind {
            // A field given twice: refused at its setter.
            RuleKind::Once { field } => {
                let (Some(i), Some(param)) = (provider.field_index(field), param_of(field)) else {
                    continue;
                };
                let name = format_ident!("{}Unset", param);
                rule_items.push(diagnostic_trait(
                    &name,
                    &message,
                    label,
                    note,
                    &[quote!(#unset)],
                ));
                setter_bounds[i].push(quote!(#param: #rules::#name));
            }
            // Beside another alternative: refused at its setter.
            RuleKind::Exclusive { field, others } => {
                let (Some(i), Some(param)) = (provider.field_index(field), param_of(field)) else {
                    continue;
                };
                let name = format_ident!("{}Exclusive", param);
                let other_params: Vec<Ident> = others.iter().filter_map(&param_of).collect();
                let all_unset = tuple(&vec![unset.clone(); other_params.len()]);
                rule_items.push(diagnostic_trait(&name, &message, label, note, &[all_unset]));
                let other_tuple =
                    tuple(&other_params.iter().map(|p| quote!(#p)).collect::<Vec<_>>());
                setter_bounds[i].push(quote!(#other_tuple: #rules::#name));
            }
            // The rest: refused at `build()`.
            RuleKind::Mandatory { field } => {
                let Some(param) = param_of(field) else {
                    continue;
                };
                let name = format_ident!("{}Mandatory", param);
                let note = note.map(|note| quote!(, note = #note));
                rule_items.push(quote! {
                    #[diagnostic::on_unimplemented(message = #message, label = #label #note)]
                    pub trait #name: #state {
                        /// The value of a field that is certainly set.
                        fn take<T>(slot: <Self as #state>::Slot<T>) -> T;
                    }
                    #[diagnostic::do_not_recommend]
                    impl #name for #set {
                        fn take<T>(slot: T) -> T { slot }
                    }
                });
                build_bounds.push(quote!(#param: #rules::#name));
            }
            RuleKind::Requires { field, needs } => {
                let (Some(a), Some(b)) = (param_of(field), param_of(needs)) else {
                    continue;
                };
                let name = format_ident!("{}Requires{}", a, b);
                let allowed =
                    [(&unset, &unset), (&unset, &set), (&set, &set)].map(|(x, y)| quote!((#x, #y)));
                rule_items.push(diagnostic_trait(&name, &message, label, note, &allowed));
                build_bounds.push(quote!((#a, #b): #rules::#name));
            }
            RuleKind::OneOf { index, groups } => {
                let name = format_ident!("OneOf{}", index);
                let members: Vec<Ident> = groups.iter().flatten().filter_map(&param_of).collect();
                let allowed: Vec<TokenStream> = one_of_states(groups)
                    .into_iter()
                    .map(|states| {
                        let states: Vec<TokenStream> = states
                            .into_iter()
                            .map(|s| if s { set.clone() } else { unset.clone() })
                            .collect();
                        tuple(&states)
                    })
                    .collect();
                rule_items.push(diagnostic_trait(&name, &message, label, note, &allowed));
                let member_tuple = tuple(&members.iter().map(|p| quote!(#p)).collect::<Vec<_>>());
                build_bounds.push(quote!(#member_tuple: #rules::#name));
            }
        }
    }

    // Setters: each field once, and not beside another alternative of its `one_of`.
    let setters = fields.iter().enumerate().map(|(i, field)| {
        let ident = &field.ident;
        let bounds = &setter_bounds[i];
        let out_params = params.iter().enumerate().map(|(j, p)| if i == j { set.clone() } else { quote!(#p) });
        let moves = fields.iter().enumerate().map(|(j, other)| {
            let other = &other.ident;
            if i == j { quote!(#other: value) } else { quote!(#other: self.#other) }
        });
        let into_string = quote!(::core::convert::Into::<#rt::__private::String>::into(value));
        let value = if field.secret {
            quote!(let value = #rt::__private::SecretString::from(#into_string);)
        } else {
            quote!(let value = #into_string;)
        };
        let mut docs: Vec<String> = field.docs.clone();
        if docs.is_empty() {
            docs.push(format!(" Sets `{}` (sent as `{}`).", ident, field.wire_name()));
        }
        if field.secret {
            docs.push(String::new());
            docs.push(" Kept as a secret: redacted in `Debug`, zeroized when dropped.".to_owned());
        }
        if !field.checks.is_empty() {
            docs.push(String::new());
            let rules: Vec<String> = field.checks.iter().map(describe_check).collect();
            docs.push(format!(" `build()` checks that the value {}.", rules.join(" and ")));
        }
        quote! {
            #(#[doc = #docs])*
            pub fn #ident(self, value: impl ::core::convert::Into<#rt::__private::String>) -> #builder<#(#out_params),*>
            where #(#bounds,)*
            {
                #value
                #builder { #(#moves,)* }
            }
        }
    }).collect::<Vec<_>>();

    // `build()`: the bounds above, and the values taken out of their slots.
    let mut takes = Vec::new();
    for (field, param) in fields.iter().zip(&params) {
        let ident = &field.ident;
        if field.optional {
            takes.push(quote!(#ident: <#param as #state>::into_option(self.#ident)));
        } else {
            let mandatory = format_ident!("{}Mandatory", param);
            takes.push(quote!(#ident: <#param as #rules::#mandatory>::take(self.#ident)));
        }
    }
    let checked: Vec<&Field> = fields.iter().filter(|f| !f.checks.is_empty()).collect();
    let build = if checked.is_empty() {
        quote! {
            /// The finished credentials. Compiles only when they are complete.
            pub fn build(self) -> #credentials
            where #(#build_bounds,)*
            {
                #credentials { #( #takes, )* }
            }
        }
    } else {
        let values = checked.iter().map(|field| {
            let ident = &field.ident;
            let index = provider.field_index(ident).unwrap_or_default();
            let exposed = |v: TokenStream| {
                if field.secret {
                    quote!(#rt::__private::ExposeSecret::expose_secret(#v))
                } else {
                    quote!(#rt::__private::String::as_str(#v))
                }
            };
            let value = if field.optional {
                let exposed = exposed(quote!(value));
                quote!(credentials.#ident.as_ref().map(|value| #exposed))
            } else {
                let exposed = exposed(quote!(&credentials.#ident));
                quote!(#rt::__private::Option::Some(#exposed))
            };
            quote!((#index, #value))
        });
        let names: Vec<String> = checked.iter().map(|f| format!("`{}`", f.ident)).collect();
        let doc = format!(
            " The finished credentials. Compiles only when they are complete; checks the \
             form of {} (`CredentialsError` names what is wrong, never the value).",
            names.join(", ")
        );
        quote! {
            #[doc = #doc]
            pub fn build(self) -> #rt::__private::Result<#credentials, #rt::__private::CredentialsError>
            where #(#build_bounds,)*
            {
                let credentials = #credentials { #( #takes, )* };
                #rt::__private::check_formats(
                    <#credentials as #rt::__private::DynamicCredentials>::TABLE,
                    &[#(#values),*],
                )?;
                #rt::__private::Result::Ok(credentials)
            }
        }
    };

    let doc = format!(
        " Builds [`{credentials}`]. Each setter may be called once; `build()` compiles only \
         when the credentials are complete, the way {vendor} requires."
    );
    let rules_doc = format!(" The {vendor} credential rules as traits, for the builder's bounds.");
    let defaults = params.iter().map(|p| quote!(#p: #state = #unset));
    let bounded: Vec<TokenStream> = params.iter().map(|p| quote!(#p: #state)).collect();
    let builder_name = builder.to_string();
    quote! {
        #[doc = #doc]
        #[must_use = "call `.build()` to get the credentials"]
        #vis struct #builder<#(#defaults),*> {
            #( #slots, )*
        }

        // Values given so far are not shown: some are secrets.
        impl<#(#bounded),*> ::core::fmt::Debug for #builder<#(#params),*> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#builder_name).finish_non_exhaustive()
            }
        }

        impl<#(#bounded),*> #builder<#(#params),*> {
            #( #setters )*

            #build
        }

        #[doc = #rules_doc]
        #[doc(hidden)]
        #vis mod #rules {
            #( #rule_items )*
        }
    }
}

/// Above this many fields in a `one_of`, `build()` accepts only combinations with
/// exactly one alternative touched (linear in the fields) instead of every combination
/// with at least one (exponential).
const ALL_COMBINATIONS_UP_TO: usize = 8;

/// The combinations of states (`true` = set) of a `one_of`'s members that `build()`
/// accepts: at least one alternative touched. Two touched alternatives are already
/// refused at the second one's setter, so accepting them here avoids a second,
/// misleading error. Incomplete alternatives are reported by their `Requires` bounds.
fn one_of_states(groups: &[Vec<Ident>]) -> Vec<Vec<bool>> {
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let total: usize = sizes.iter().sum();
    if total <= ALL_COMBINATIONS_UP_TO {
        return (1u32..(1 << total))
            .map(|mask| (0..total).map(|bit| mask & (1 << bit) != 0).collect())
            .collect();
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for size in sizes {
        for mask in 1u32..(1 << size) {
            out.push(
                (0..total)
                    .map(|m| {
                        (offset..offset + size).contains(&m) && mask & (1 << (m - offset)) != 0
                    })
                    .collect(),
            );
        }
        offset += size;
    }
    out
}

pub(crate) fn describe_check(check: &Check) -> String {
    match check {
        Check::MaxLength(n) => format!("has at most {n} characters"),
        Check::Length(n) => format!("has exactly {n} characters"),
        Check::Charset(Charset::LowerHex) => "is lowercase hexadecimal".to_owned(),
        Check::Charset(Charset::Hex) => "is hexadecimal".to_owned(),
        Check::Charset(Charset::Digits) => "is digits only".to_owned(),
    }
}

fn tuple(items: &[TokenStream]) -> TokenStream {
    if items.len() == 1 {
        let item = &items[0];
        quote!((#item,))
    } else {
        quote!((#(#items),*))
    }
}

/// A marker trait implemented for `allowed`, reporting `message` when it is not.
fn diagnostic_trait(
    name: &Ident,
    message: &str,
    label: &str,
    note: Option<&str>,
    allowed: &[TokenStream],
) -> TokenStream {
    let note = note.map(|note| quote!(, note = #note));
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label #note)]
        pub trait #name {}
        // `do_not_recommend`: the error names the rule, not a list of state tuples.
        #( #[diagnostic::do_not_recommend] impl #name for #allowed {} )*
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::groups;

    #[test]
    fn build_accepts_any_touched_alternative_and_refuses_none() {
        let small = one_of_states(&groups(&[&["a", "b"], &["c"]]));
        assert_eq!(small.len(), 7, "every combination but all-unset");
        assert!(!small.contains(&vec![false, false, false]));

        // Large: exactly one alternative touched, linear in size.
        let large = one_of_states(&groups(&[
            &["a", "b", "c", "d", "e"],
            &["f", "g", "h", "i"],
        ]));
        assert_eq!(large.len(), 31 + 15);
        assert!(
            large
                .iter()
                .all(|s| !(s[..5].iter().any(|x| *x) && s[5..].iter().any(|x| *x)))
        );
    }
}

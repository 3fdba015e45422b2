#!/usr/bin/env bash
# Compile cost of #[auth_provider]: the time to build a small crate deriving the four
# shipped vendors in their attribute form (auth-codegen/tests/attribute_forms/*.rs, the
# fixtures spec_equivalence.rs compares with specs/*.toml) against the same
# crate with the code the generator produces pasted in, reported as a ratio.
#
#   benches/compile-cost.sh            # RUNS=5 alternating rebuilds of each crate
#   RUNS=9 benches/compile-cost.sh
#
# Both crates live in one throwaway workspace under $CARGO_TARGET_DIR/compile-cost
# (default: target/compile-cost), start from this repository's Cargo.lock and share one
# target directory, so their dependencies are identical and built once; each measured
# build recompiles only the crate itself (dev profile, `touch src/lib.rs`). The pasted
# code comes from auth_codegen::expand_attribute, the function the macro calls, run by
# a tiny expander binary and formatted with prettyplease.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/compile-cost
RUNS=${RUNS:-5}
TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")
CARGO=(cargo "+$TOOLCHAIN")

rm -rf "$WORK/derive" "$WORK/pasted" "$WORK/expander"
mkdir -p "$WORK/derive/src" "$WORK/pasted/src" "$WORK/expander/src"
cp "$ROOT/Cargo.lock" "$WORK/Cargo.lock"
cat > "$WORK/Cargo.toml" <<TOML
[workspace]
resolver = "3"
members = ["derive", "pasted", "expander"]
TOML
for crate in derive pasted; do
  cat > "$WORK/$crate/Cargo.toml" <<TOML
[package]
name = "vendors-$crate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
auth-runtime = { path = "$ROOT/auth-runtime" }
TOML
  printf 'pub mod crmcom;\npub mod currencycloud;\npub mod modulus;\npub mod onebox;\n' > "$WORK/$crate/src/lib.rs"
done
cat > "$WORK/expander/Cargo.toml" <<TOML
[package]
name = "expander"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
auth-codegen = { path = "$ROOT/auth-codegen" }
prettyplease = "0.2"
proc-macro2 = "1"
quote = "1"
syn = { version = "2", features = ["full"] }
TOML
cat > "$WORK/expander/src/main.rs" <<'RUST'
//! Prints a vendor file with every `#[auth_provider(...)]` struct replaced by what
//! `auth_codegen::expand_attribute` (the macro's body) generates for it.
fn main() {
    let path = std::env::args().nth(1).expect("a vendor file");
    let source = std::fs::read_to_string(&path).expect("readable");
    let file = syn::parse_file(&source).expect("Rust");
    let mut items = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Struct(mut item) => {
                let Some(at) = item.attrs.iter().position(|a| a.path().is_ident("auth_provider")) else {
                    items.push(syn::Item::Struct(item));
                    continue;
                };
                let attr = item.attrs.remove(at);
                let args = match attr.meta {
                    syn::Meta::List(list) => list.tokens,
                    _ => proc_macro2::TokenStream::new(),
                };
                let expanded = auth_codegen::expand_attribute(args, quote::quote!(#item));
                let expanded: syn::File = syn::parse2(expanded).expect("generated code parses");
                items.extend(expanded.items);
            }
            // `use auth_runtime::auth_provider;` is not needed once expanded.
            syn::Item::Use(ref u) if quote::quote!(#u).to_string().contains("auth_provider") => {}
            other => items.push(other),
        }
    }
    let out = syn::File { shebang: None, attrs: file.attrs, items };
    print!("{}", prettyplease::unparse(&out));
}
RUST

cd "$WORK"
for vendor in crmcom currencycloud modulus onebox; do
  cp "$ROOT/auth-codegen/tests/attribute_forms/$vendor.rs" derive/src/$vendor.rs
done
export CARGO_TARGET_DIR="$WORK/target"
"${CARGO[@]}" build -q -p expander
for vendor in crmcom currencycloud modulus onebox; do
  "$WORK/target/debug/expander" "derive/src/$vendor.rs" > pasted/src/$vendor.rs
done
echo "source lines: derive $(cat derive/src/*.rs | wc -l), pasted $(cat pasted/src/*.rs | wc -l)"

# Dependencies (auth-runtime, the proc macro) once, untimed.
"${CARGO[@]}" build -q -p vendors-derive -p vendors-pasted

now() { date +%s.%N; }
time_build() {
  touch "$1/src/lib.rs"
  local start end
  start=$(now)
  "${CARGO[@]}" build -q -p "vendors-$1"
  end=$(now)
  echo "$end - $start" | bc -l
}
derive=() pasted=()
for run in $(seq "$RUNS"); do
  if (( run % 2 )); then
    derive+=("$(time_build derive)"); pasted+=("$(time_build pasted)")
  else
    pasted+=("$(time_build pasted)"); derive+=("$(time_build derive)")
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=$(median "${derive[@]}") p=$(median "${pasted[@]}")
echo "derive runs (s): ${derive[*]}"
echo "pasted runs (s): ${pasted[*]}"
printf 'compile-cost: derive %.2f s, pasted %.2f s (medians of %d), ratio derive/pasted = %.2f\n' \
  "$d" "$p" "$RUNS" "$(echo "$d / $p" | bc -l)"

#!/usr/bin/env bash
# Clean build time (dev profile, empty target directory) of three small binaries, run
# side by side:
#
#   base      depends only on reqwest (the workspace's features) + tokio + serde_json
#   derive    (a) derives one vendor of its own with #[auth_provider], via auth-runtime
#   vendors   (b) uses one ready-made vendor (CRM.COM) via auth-vendors (+ auth-runtime
#             without default features), naming its feature alone where each vendor
#             has one; for a tree that predates auth-vendors, via auth-runtime's
#             `vendors` feature, as the crate was then used
#
#   benches/build-time.sh                    # this tree, RUNS=3 rounds
#   benches/build-time.sh --before 2b81c57   # also (a) and (b) from the tree at a commit
#                                            # (exported with git archive), side by side
#   RUNS=5 benches/build-time.sh
#
# Each round builds every crate one after the other (the order rotates from round to
# round), each into a fresh, empty target directory. Every crate starts from its tree's
# Cargo.lock (a commit's lockfile differs from this tree's only in the workspace's own
# crates), so all use the same versions of every shared dependency; dependencies are
# fetched once, before timing, and the timed builds run `--offline`. The report gives
# each crate's median wall-clock time and its median CPU time (user + system, of cargo
# and everything it ran), each with its ratio to base, and what it compiles beyond base.
# The wall-clock time is what a user waits; the CPU time is the work, and moves far
# less when something else shares the machine. The crates live under $BUILD_TIME_DIR (default: $CARGO_TARGET_DIR/build-time,
# else /tmp/authgen-build-time). Run it with nothing else building: the figures are
# wall-clock times.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$HERE/rust-toolchain.toml")
CARGO=(cargo "+$TOOLCHAIN")
RUNS=${RUNS:-3}
BEFORE=
while (($#)); do
  case $1 in
    --before) BEFORE=$2; shift 2 ;;
    *) echo "usage: $0 [--before COMMIT]" >&2; exit 2 ;;
  esac
done

WORK=${BUILD_TIME_DIR:-${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/build-time}}
WORK=${WORK:-/tmp/authgen-build-time}
unset CARGO_TARGET_DIR
rm -rf "$WORK"
mkdir -p "$WORK"

LABEL="this tree: $(git -C "$HERE" rev-parse --short HEAD)$(git -C "$HERE" diff --quiet HEAD -- . || echo ' with changes')"

REQWEST='reqwest = { version = "0.13", default-features = false, features = ["rustls", "json", "form", "query", "multipart", "http2"] }'
TOKIO='tokio = { version = "1", features = ["rt", "macros", "sync", "time"] }'
SERDE_JSON='serde_json = "1"'

# One binary crate: $1 its name, $2 its extra dependencies, then its main.rs on stdin;
# the lockfile is $ROOT's.
crate() {
  mkdir -p "$WORK/$1/src"
  cat > "$WORK/$1/Cargo.toml" <<TOML
[package]
name = "build-time-$1"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
$REQWEST
$TOKIO
$SERDE_JSON
$2
TOML
  cat > "$WORK/$1/src/main.rs"
  cp "$ROOT/Cargo.lock" "$WORK/$1/Cargo.lock"
}

ROOT=$HERE
crate base "" <<'RUST'
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = reqwest::Client::new();
    let request = client
        .post("https://api.example.com/login")
        .json(&serde_json::json!({ "user": "ada" }))
        .build()?;
    println!("{} {}", request.method(), request.url());
    Ok(())
}
RUST

# (a) and (b) against the auth-runtime (and auth-vendors) in $ROOT; $1 suffixes their names.
tree_crates() {
  crate "derive$1" "auth-runtime = { path = \"$ROOT/auth-runtime\" }" <<'RUST'
use auth_runtime::{Session, auth_provider};

/// Example Corp's token endpoint.
#[auth_provider(
    vendor = "Example Corp",
    base = "https://{tenant}.example.com",
    login(path = "/oauth/login", format = "form"),
    token = "access_token",
    apply(bearer),
    expiry(idle = "30m"),
    error(Locked, status = 423, fields(reason = "reason")),
)]
pub struct Example {
    login_id: String,
    #[auth(secret)]
    api_key: String,
    region: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Example::credentials().login_id("ada").api_key("k3y").build();
    let session = Session::new(Example::new("acme"), credentials)?;
    let request = session.request(reqwest::Method::GET, "https://acme.example.com/api");
    println!("{:?} {}", request.build()?.url(), serde_json::json!({ "ok": true }));
    Ok(())
}
RUST

  if grep -q '^crmcom = ' "$ROOT/auth-vendors/Cargo.toml" 2>/dev/null; then
    # Each vendor a feature of its own: the crate names the one it uses, as the README
    # shows.
    VENDORS_DEPS="auth-vendors = { path = \"$ROOT/auth-vendors\", default-features = false, features = [\"crmcom\"] }
auth-runtime = { path = \"$ROOT/auth-runtime\", default-features = false }"
    VENDOR_PATH=auth_vendors::CrmCom
  elif [[ -d $ROOT/auth-vendors ]]; then
    VENDORS_DEPS="auth-vendors = { path = \"$ROOT/auth-vendors\" }
auth-runtime = { path = \"$ROOT/auth-runtime\", default-features = false }"
    VENDOR_PATH=auth_vendors::CrmCom
  else
    VENDORS_DEPS="auth-runtime = { path = \"$ROOT/auth-runtime\" }"
    VENDOR_PATH=auth_runtime::vendors::CrmCom
  fi
  sed "s/VENDOR_PATH/$VENDOR_PATH/" <<'RUST' | crate "vendors$1" "$VENDORS_DEPS"
use auth_runtime::Session;
use VENDOR_PATH;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = CrmCom::credentials()
        .organisation("CRMDEMO")
        .username("ada")
        .password("s3cret")
        .build();
    let session = Session::new(CrmCom::new("https://crm.example.com"), credentials)?;
    let request = session.request(reqwest::Method::GET, "https://crm.example.com/crmapi");
    println!("{:?} {}", request.build()?.url(), serde_json::json!({ "ok": true }));
    Ok(())
}
RUST
}

tree_crates ""
CRATES=(base derive vendors)
if [[ -n $BEFORE ]]; then
  ROOT=$WORK/before-tree
  mkdir -p "$ROOT"
  git -C "$HERE" archive "$BEFORE" | tar -x -C "$ROOT"
  tree_crates "-before"
  CRATES+=(derive-before vendors-before)
  LABEL="$LABEL; before: $(git -C "$HERE" rev-parse --short "$BEFORE")"
fi
for c in "${CRATES[@]}"; do
  (cd "$WORK/$c" && { "${CARGO[@]}" fetch -q --offline 2>/dev/null || "${CARGO[@]}" fetch -q; })
done

# Prints "wall cpu" in seconds for one clean build of crate $1.
time_build() {
  local dir=$WORK/$1
  rm -rf "$dir/target"
  (cd "$dir" && /usr/bin/time -f '%e %U %S' -o "$WORK/$1.time" "${CARGO[@]}" build -q --offline)
  awk '{printf "%.1f %.1f\n", $1, $2 + $3}' "$WORK/$1.time"
}

declare -A times cpus
for run in $(seq "$RUNS"); do
  shift_by=$(((run - 1) % ${#CRATES[@]}))
  order=("${CRATES[@]:shift_by}" "${CRATES[@]:0:shift_by}")
  for c in "${order[@]}"; do
    read -r t u < <(time_build "$c")
    times[$c]+="$t "
    cpus[$c]+="$u "
    printf 'round %d: %-15s %6.1f s wall %6.1f s cpu (load %s)\n' "$run" "$c" "$t" "$u" \
      "$(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# What a crate builds beyond base (normal and build dependencies, from `cargo tree`).
built() { (cd "$WORK/$1" && "${CARGO[@]}" tree -q --offline -e normal,build --prefix none --format '{p}' | sed 's/ (.*//; s/ v/@/' | sort -u); }
extra_built() { comm -23 <(built "$1") <(built base) | grep -v "^build-time-" | tr '\n' ' '; }

echo "build-time: $LABEL; dev profile, empty target dir, $RUNS rounds, $(nproc) cores"
b=$(median ${times[base]}) bu=$(median ${cpus[base]})
for c in "${CRATES[@]}"; do
  m=$(median ${times[$c]}) mu=$(median ${cpus[$c]})
  printf '%-15s wall %6.1f s (%.2f)  cpu %6.1f s (%.2f)  runs wall: %s cpu: %s\n' "$c" \
    "$m" "$(echo "$m / $b" | bc -l)" "$mu" "$(echo "$mu / $bu" | bc -l)" "${times[$c]}" "${cpus[$c]}"
done
for c in "${CRATES[@]:1}"; do
  echo "$c compiles beyond base: $(extra_built "$c")"
done

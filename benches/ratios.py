#!/usr/bin/env python3
"""Prints the criterion results of `cargo bench -p authgen-benches` as ratios against
their same-run baselines. Reads $CARGO_TARGET_DIR/criterion (default target/criterion).

    python3 benches/ratios.py
"""
import json
import os
import pathlib
import sys

root = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path(__file__).parent.parent / "target")) / "criterion"


def median_ns(group, bench):
    path = root / group / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def show(group, bench, baselines):
    t = median_ns(group, bench)
    if t is None:
        return
    parts = []
    for name in baselines:
        b = median_ns(group, name)
        if b:
            parts.append(f"{t / b:6.2f}x {name}")
    print(f"  {bench:42s} {t:9.1f} ns   " + "   ".join(parts))


if not root.exists():
    sys.exit(f"no criterion results under {root}")
for threads in ("1_thread", "2_thread"):
    group = f"hot_path_{threads}"
    print(f"{group} (median ns/op per thread; ratio vs baseline, < 1 = faster)")
    for bench in ("arcswap_guard_load", "arcswap_guard_load_coarse_clock", "arcswap_guard_load_cached_clock", "arcswap_load_full", "std_mutex", "tokio_mutex_blocking_lock",
                  "session_cached_token_crmcom", "session_cached_token_currencycloud_idle",
                  "session_token_poll_crmcom"):
        show(group, bench, ["arcswap_guard_load", "std_mutex", "tokio_mutex_blocking_lock"])
print("clock (median ns/call)")
for bench in ("std_instant_now", "coarsetime_now_without_cache_update", "coarsetime_recent_cached", "system_time_now"):
    show("clock", bench, ["std_instant_now"])
print("storm (median time per iteration)")
for bench in ("single_login", "cold_10000_tasks", "expired_10000_tasks"):
    show("storm", bench, ["single_login"])
print("end_to_end (median time per request)")
for bench in ("raw_reqwest_bearer", "session_send"):
    show("end_to_end", bench, ["raw_reqwest_bearer"])

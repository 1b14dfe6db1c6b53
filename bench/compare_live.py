"""The live benchmark before and after a change, back to back on the same machine.

    bench/compare_live.sh [--before 7cf76c1] [--calls 1 4] [--duration 90]

Checks the `--before` commit out with `git worktree add` (into /tmp/before unless told), then runs
`python -m bench.live --calls N` on it and on this checkout, alternately (before 1, after 1,
before 4, after 4: a load change on the machine hits both sides alike), each with this checkout's
.venv and the same synthetic calls, and prints the tables side by side with the change in %.

Minutes of wall time and an otherwise idle machine: it is run by hand, never by CI or pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# (label, key in bench.live's JSON)
ROWS: list[tuple[str, str]] = [
    ("final p50 (s)", "final_p50"),
    ("final p95 (s)", "final_p95"),
    ("final max (s)", "final_max"),
    ("finals", "finals"),
    ("text nudge p50 (s)", "nudge_text_p50"),
    ("text nudge p95 (s)", "nudge_text_p95"),
    ("text nudges", "nudges_text"),
    ("timing nudge p95 (s)", "nudge_timing_p95"),
    ("queue lag p95 (s)", "lag_p95"),
    ("queue lag max (s)", "lag_max"),
    ("server CPU mean (% of a core)", "cpu_mean_pct"),
    ("core-s per call second", "cpu_per_call_second"),
]


def checkout(commit: str, folder: Path) -> Path:
    """A worktree of `commit` at `folder` (made once; an existing one must be at that commit)."""
    if not folder.exists():
        add = ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), commit]
        subprocess.run(add, check=True)
    head = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    wanted = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", commit], check=True, capture_output=True, text=True
    ).stdout.strip()
    if head != wanted:
        sys.exit(f"compare_live: {folder} holds {head[:7]}, not {commit}; remove it or pass --before-dir")
    return folder


def run_bench(code: Path, calls: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """`python -m bench.live` of the code in `code`, with this checkout's interpreter."""
    # The code's own folder first on the path (it is the working directory, and PYTHONPATH for the
    # server the bench starts): the .venv's editable install points at this checkout.
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [
        sys.executable, "-m", "bench.live", "--calls", str(calls), "--duration", str(args.duration),
        "--source", str(args.source), "--port", str(args.port), "--json", str(out),
    ]  # fmt: skip
    print(f"compare_live: {code} --calls {calls}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=code, env=env, check=True, stdout=sys.stderr)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def change(before: object, after: object) -> str:
    if not isinstance(before, int | float) or not isinstance(after, int | float) or not before:
        return ""
    return f"{(after - before) / before * 100:+.0f} %"


def table(calls: int, before: dict[str, Any], after: dict[str, Any], names: tuple[str, str]) -> str:
    lines = [
        f"### {calls} call(s) x {after['duration_s']:g} s on {after['cores']} cores",
        "",
        f"| measure | before ({names[0]}) | after ({names[1]}) | change |",
        "|---|---|---|---|",
    ]
    for label, key in ROWS:
        b, a = before.get(key), after.get(key)
        lines.append(f"| {label} | {cell(b)} | {cell(a)} | {change(b, a)} |")
    lines.append(
        f"| queue lag by quarter (s) | {before.get('lag_by_quarter')} | {after.get('lag_by_quarter')} | |"
    )
    return "\n".join(lines)


def describe(code: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(code), "log", "-1", "--format=%h"], check=True, capture_output=True, text=True
    ).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/compare_live.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="7cf76c1", help="the commit to compare with (default 7cf76c1)")
    parser.add_argument("--before-dir", default="/tmp/before", help="where its worktree goes")
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 4], help="call counts (default 1 4)")
    parser.add_argument("--duration", type=float, default=90.0, help="seconds of each call (default 90)")
    parser.add_argument(
        "--source", default=str(REPO / "bench" / "out" / "calls"), help="synthetic calls folder (shared)"
    )
    parser.add_argument("--port", type=int, default=8791, help="port of the benched servers")
    parser.add_argument("--json", help="also write every result to this JSON file")
    args = parser.parse_args(argv)
    before_code = checkout(args.before, Path(args.before_dir))
    names = (describe(before_code), describe(REPO) + ("+" if dirty() else ""))
    results: dict[str, dict[str, dict[str, Any]]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory(prefix="secondear-compare-") as tmp:
        for calls in args.calls:
            for side, code in (("before", before_code), ("after", REPO)):
                out = Path(tmp) / f"{side}-{calls}.json"
                results[side][str(calls)] = run_bench(code, calls, args, out)
    print(f"live benchmark, before ({names[0]}) and after ({names[1]}), run alternately\n")
    for calls in args.calls:
        print(table(calls, results["before"][str(calls)], results["after"][str(calls)], names))
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def dirty() -> bool:
    status = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return bool(status.strip())


if __name__ == "__main__":
    raise SystemExit(main())

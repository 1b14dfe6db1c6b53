"""The distributed benchmark in its short form: one short call, in-process decoding against one
worker over Redis. It must run to the end and print its table with finals from both paths
(behaviour only: the machine running the tests says nothing about latency)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import REPO
from .services import missing
from .speech import make_call, need_espeak
from .test_scale_failover import ANSWER, QUESTION

pytestmark = pytest.mark.slow


def test_scale_bench_short_form_runs_both_paths_and_prints_its_table(tmp_path: Path) -> None:
    need_espeak()
    if missing():
        pytest.skip(f"needs {', '.join(missing())} (scripts/system-deps.sh installs them)")
    source = tmp_path / "calls" / "c0"
    source.mkdir(parents=True)
    make_call(source / "call.wav", [("interviewer", QUESTION, 0.3), ("customer", ANSWER, 0.8)])
    out = tmp_path / "scale.json"
    # The bench makes its own servers, each with its own SQLite: not the suite's PostgreSQL.
    env = {k: v for k, v in os.environ.items() if k != "SECONDEAR_DATABASE_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--calls", "1", "--duration", "10", "--workers", "1",
         "--source", str(tmp_path / "calls"), "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert lines[0] == "| calls | mode | finals | final p50 | final p95 | final max |"
    assert [line.split(" | ")[1] for line in lines[2:4]] == ["in-process", "Redis, 1 worker(s)"]
    results = json.loads(out.read_text())
    for mode in ("in-process", "Redis, 1 worker(s)"):
        assert results[f"1:{mode}"]["finals"] >= 2, mode  # the question and the answer, each path

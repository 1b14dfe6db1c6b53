"""The lock agrees with pyproject.toml (read from the files alone: no index is asked), it pins every
package by hash and pulls in no torch, and `secondear --version` says the installed version.
The installed package itself is checked by scripts/check-package.sh (`make package-check`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())
LOCKED = {p["name"]: p for p in LOCK["package"]}
# Heavy packages that a dependency could drag in and SecondEar never needs (CTranslate2 runs Whisper).
NEVER = ("torch", "torchaudio", "torchvision", "triton", "nvidia-")


def _declared() -> list[tuple[Requirement, str | None]]:
    """Every requirement of pyproject.toml, with the extra it belongs to."""
    rows: list[tuple[Requirement, str | None]] = [
        (Requirement(r), None) for r in PYPROJECT["project"]["dependencies"]
    ]
    for extra, reqs in PYPROJECT["project"]["optional-dependencies"].items():
        rows += [(Requirement(r), extra) for r in reqs]
    return rows


def _key(name: str, specifier: str, extras: list[str], marker: str | None) -> tuple[Any, ...]:
    return (canonicalize_name(name), SpecifierSet(specifier), sorted(extras), marker and str(Marker(marker)))


def test_lock_records_exactly_the_requirements_of_pyproject() -> None:
    """What `uv lock --check` compares: fails when a dependency was edited without `make lock`."""
    declared = [
        _key(r.name, str(r.specifier), list(r.extras), f"extra == '{extra}'" if extra else None)
        for r, extra in _declared()
    ]
    recorded = [
        _key(r["name"], r.get("specifier", ""), r.get("extras", []), r.get("marker"))
        for r in LOCKED["secondear"]["metadata"]["requires-dist"]
    ]
    assert sorted(map(repr, declared)) == sorted(map(repr, recorded)), "run `make lock`"


@pytest.mark.parametrize(("req", "extra"), _declared(), ids=lambda v: str(v))
def test_every_requirement_is_met_by_a_locked_pin(req: Requirement, extra: str | None) -> None:
    locked = [p for p in LOCK["package"] if p["name"] == canonicalize_name(req.name)]
    assert locked, f"{req.name} is not in uv.lock: run `make lock`"
    for package in locked:  # one pin per Python version range at most
        assert req.specifier.contains(Version(package["version"]), prereleases=True), package["version"]


def test_every_locked_download_has_a_hash() -> None:
    for package in LOCK["package"]:
        if "registry" not in package["source"]:
            continue  # SecondEar itself
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, package["name"]
        assert all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_the_lock_pulls_in_no_torch() -> None:
    assert not [name for name in LOCKED if name.startswith(NEVER)]


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"secondear {PYPROJECT['project']['version']}\n"


def test_the_speaker_encoder_weights_are_pinned_by_hash_and_installed_without_torch() -> None:
    """Resemblyzer's wheel carries the weights; its code needs torch, so every place that installs
    SecondEar installs it from scripts/resemblyzer-requirements.txt with --no-deps, by hash."""
    pins = [
        line
        for line in (ROOT / "scripts" / "resemblyzer-requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(pins) == 1
    requirement, _, digest = pins[0].partition(" --hash=sha256:")
    assert canonicalize_name(Requirement(requirement).name) == "resemblyzer"
    assert str(Requirement(requirement).specifier).startswith("==") and len(digest) == 64
    assert "resemblyzer" not in LOCKED  # the lock would bring its torch
    for installer in ("Makefile", "Dockerfile", "scripts/check-package.sh"):
        text = (ROOT / installer).read_text()
        line = next(ln for ln in text.splitlines() if "-r " in ln and "resemblyzer-requirements.txt" in ln)
        block = text[text.index(line) - 200 : text.index(line) + len(line)]
        assert "--no-deps" in block and "--require-hashes" in block, installer

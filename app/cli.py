"""The `secondear` command line: one sub-command a module in `app/commands/`.

Sub-command modules are imported only when chosen, so `secondear tag` does not pay for
loading the server or the speech engine.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol

from app.audio.errors import RecordingError
from models.errors import ModelError

# name -> (module, one-line help); the module has add_arguments(parser) and run(args) -> int.
COMMANDS: dict[str, tuple[str, str]] = {
    "models": ("app.commands.models_cmd", "list the speech and language models and prove each loads"),
    "tag": ("app.commands.tag", "tag interview utterances (JSONL in, JSONL out)"),
    "eval": ("app.commands.evaluate", "precision, recall and F1 of the detectors on labelled JSONL"),
    "analyze": ("app.commands.analyze", "the post-call report for a transcript or a recording"),
    "trends": ("app.commands.trends", "an interviewer's figures across calls, from reports"),
    "study": ("app.commands.study", "pains, workarounds and phrases across a series of interviews"),
    "serve": ("app.commands.serve", "start the server for live calls"),
    "replay": ("app.commands.replay", "stream a stereo recording into a live call"),
    "user": ("app.commands.user", "add, list and remove accounts; assign coaches"),
    "overrides": (
        "app.commands.overrides",
        "export the coaches' overrides of the detectors as labelled JSONL",
    ),
    "token": ("app.commands.token", "create an API token for scripts (Authorization: Bearer)"),
    "worker": ("app.commands.worker", "decode speech for servers that share a Redis (scale-out)"),
}


class CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...
    def run(self, args: argparse.Namespace) -> int: ...


class UsageError(Exception):
    """Bad input a user can fix; printed as one line, exit status 2."""


def _load(name: str) -> CommandModule:
    module: CommandModule = importlib.import_module(COMMANDS[name][0])
    return module


def package_version() -> str:
    """The installed version (pyproject.toml is the one place it is written)."""
    try:
        return version("secondear")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secondear", description="SecondEar: the buddy's copilot.")
    parser.add_argument("--version", action="version", version=f"secondear {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((a for a in argv if a in COMMANDS), None)
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        # Only the chosen command's module is imported to declare its arguments.
        if name == chosen:
            _load(name).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    try:
        return _load(args.command).run(args)
    except (ModelError, RecordingError, UsageError) as exc:
        print(f"secondear {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

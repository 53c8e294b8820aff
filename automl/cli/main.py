"""`automl-studio`: the same core the pages use, from a terminal.

`--json` prints one JSON object on stdout and nothing else there; progress goes to stderr.
Exit codes: 0 success, 2 bad input (one-line reason on stderr), 1 anything else.
"""

from __future__ import annotations

import os
import sys

from automl.cli.models import _err
from automl.cli.parser import build_parser
from automl.errors import AutoMLError

__all__ = ["main", "build_parser", "stop_workers"]

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AutoMLError as exc:
        _err(f"error: {exc}")
        return EXIT_BAD_INPUT if isinstance(exc, (ValueError, LookupError)) else EXIT_ERROR
    except FileNotFoundError as exc:
        _err(f"error: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_ERROR


def run() -> None:
    """Console entry point. Exits without the interpreter's native teardown: pyarrow's parquet thread pool
    can abort the process there (SIGABRT, apache/arrow#34314) after all work is done, which would turn a
    success or a clean exit code 2 into a crash."""
    code = main()
    stop_workers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def stop_workers() -> None:
    """Stop the joblib (loky) worker processes the forecasting models start: `os._exit` skips their shutdown,
    and left behind they hold the command's stdout and stderr open for loky's 300 s idle time, so a caller
    reading them (a script, a test) waits five minutes for a command that finished."""
    executor = getattr(sys.modules.get("joblib.externals.loky.reusable_executor"), "_executor", None)
    if executor is None:
        return
    try:
        executor.shutdown(wait=True, kill_workers=True)
    except Exception:  # noqa: BLE001 - the command's result stands; a leftover worker only lingers
        pass


if __name__ == "__main__":
    run()

"""The ``mountlint`` command and ``python -m mountlint``.

The command line is imported with the cyclic garbage collector paused: importing creates tens of
thousands of objects and none of them is garbage, yet the collector's passes over them cost about
5 ms, a tenth of a small run. ``cli.main`` then sets how often it runs while linting.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Console entry point (see ``mountlint.cli.main``)."""
    gc.disable()
    try:
        from mountlint.cli import main as command_line
    finally:
        gc.enable()
    command_line()


if __name__ == "__main__":
    main()

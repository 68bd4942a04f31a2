"""`python -m hw1cli` and the `hw1` script: Ctrl-C while the CLI loads is a quiet exit 130 (torch itself loads
later, when a run starts, and the runner handles Ctrl-C there)."""

import sys


def main() -> None:
    try:
        from hw1cli.cli import main as run  # Typer, Rich and the configs: Ctrl-C may land here
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()

"""`python -m hw1cli` and the `hw1` script: Ctrl-C while torch loads (the first seconds) is a quiet exit 130."""

import sys


def main() -> None:
    try:
        from hw1cli.cli import main as run  # imports torch, matplotlib...: seconds in which Ctrl-C may land
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()

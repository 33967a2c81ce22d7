"""``python -m bot validate [DIR]``: check the intent files before they reach training.

Editors run this (and CI runs it) after changing the FAQ; it prints one line
per problem in ``file:line: severity: message`` form, which editors and CI
logs turn into links, then a one-line summary.
"""
import argparse
import sys

from bot.intents import validate_intents

__all__ = ["main", "print_report"]


def print_report(directory, out=None) -> bool:
    """Print every problem of the intent files and a summary; True when there is no error.

    `bot validate`, `bot train` and `kefu train` all report through here, so
    a broken file reads the same whichever command found it.
    """
    report = validate_intents(directory)
    for problem in report.problems:
        print(problem, file=out)
    examples = sum(len(intent.examples) for intent in report.intents)
    counts = [(len(report.intents), "intent"), (examples, "example"),
              (len(report.errors), "error"), (len(report.warnings), "warning")]
    print(", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts), file=out)
    return report.ok


def main(argv=None) -> int:
    """Validate an intent directory and report; the exit status tells CI whether it may ship.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``validate``, e.g. ``["intents"]``; defaults to
        ``sys.argv[1:]``.

    Returns
    -------
    int
        1 if there is any error, 0 otherwise (warnings do not fail), 2 for
        bad arguments.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bot validate",
        description="Check the FAQ intent files and name file and line for every problem.")
    parser.add_argument("directory", nargs="?", default="intents", help="intent directory (default: intents)")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit:
        return exit.code
    return 0 if print_report(args.directory) else 1


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bot train|eval|validate``: train the FAQ model, evaluate it, or check the intent files."""
import argparse
import sys

__all__ = ["main", "progress_bar"]

DEFAULT_INTENTS = "intents"
DEFAULT_MODEL = "instance/model"
DEFAULT_REPORTS = "instance/reports"


def progress_bar(stream=None, width=30):
    """Return a ``progress(stage, done, total)`` callback that draws a bar per stage
    on `stream` (standard error by default)."""
    state = {"stage": None}

    def report(stage, done, total):
        out = stream or sys.stderr
        if state["stage"] not in (None, stage):
            out.write("\n")
        state["stage"] = stage
        filled = int(width * done / total) if total else width
        out.write(f"\r  {stage:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            out.write("\n")
            state["stage"] = None
        out.flush()

    return report


def json_progress(stream=None):
    """A ``progress(stage, done, total)`` callback that prints one JSON object per call.

    For a parent process (the studio's Retrain) that shows the progress somewhere else.
    """
    import json

    def report(stage, done, total):
        out = stream or sys.stdout
        out.write(json.dumps({"stage": stage, "done": done, "total": total}) + "\n")
        out.flush()

    return report


def _progress(args):
    return json_progress() if getattr(args, "progress", "bar") == "json" else progress_bar()


def _train(args):
    from bot.engine import train
    from bot.intents import IntentFileError
    from bot.validate_cli import print_report

    try:
        bot = train(args.intents, args.model, progress=_progress(args))
    except IntentFileError:
        # The same file:line list as `bot validate`, not a traceback; nothing was saved.
        print_report(args.intents)
        print(f"Not trained: fix the errors above in {args.intents} first.", file=sys.stderr)
        return 1
    meta = bot.metadata
    scores = meta["scores"]
    print(f"Model saved in {args.model}: {meta['n_intents']} intents, {meta['n_examples']} "
          f"examples, trained in {meta['train_seconds']:.1f} s")
    print(f"  thresholds: answer >= {meta['thresholds']['answer']:.2f}, "
          f"suggest >= {meta['thresholds']['suggest']:.2f}")
    print(f"  cross-validated accuracy {scores['cv_accuracy']:.1%}; answered "
          f"{scores['answered']:.1%} with precision {scores['answer_precision']:.1%}; "
          f"off-topic escalated {scores.get('offtopic_escalated', 0):.1%}")
    return 0


def _eval(args):
    from bot.evaluate import evaluate, write_report
    from bot.intents import IntentFileError
    from bot.validate_cli import print_report

    try:
        report = evaluate(args.intents, folds=args.folds, progress=_progress(args))
    except IntentFileError:
        print_report(args.intents)
        return 1
    if report["encoder"] != "none" and not args.no_compare:
        # Side by side: the same cross-validation without the sentence encoder.
        plain = evaluate(args.intents, folds=args.folds, encoder="none")
        report["tfidf_only"] = {key: plain[key] for key in
                                ("accuracy", "top3_accuracy", "macro_f1", "thresholds", "offtopic")}
    path = write_report(report, args.out)
    for name, part in [(report["encoder"], report), ("none", report.get("tfidf_only"))]:
        if part:
            print(f"encoder {name}: accuracy {part['accuracy']:.1%} (top 3 "
                  f"{part['top3_accuracy']:.1%}), off-topic escalated "
                  f"{part['offtopic']['escalated']:.1%}")
    print(f"accuracy {report['accuracy']:.1%} (top 3 {report['top3_accuracy']:.1%}), "
          f"macro F1 {report['macro_f1']:.3f}")
    print(f"suggested thresholds: answer >= {report['thresholds']['answer']:.2f}, "
          f"suggest >= {report['thresholds']['suggest']:.2f}; off-topic escalated "
          f"{report['offtopic']['escalated']:.1%}")
    for pair in report["confused_pairs"][:5]:
        print(f"  {pair['true']} -> {pair['predicted']} x{pair['count']}: "
              f"{pair['examples'][0]!r}")
    print(f"report: {path}")
    return 0


def main(argv=None) -> int:
    """Run a ``bot`` command; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "validate":
        from bot.validate_cli import main as validate

        return validate(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the model and save it")
    train.add_argument("--intents", default=DEFAULT_INTENTS, help="intent directory")
    train.add_argument("--model", default=DEFAULT_MODEL, help="model directory")
    train.add_argument("--progress", choices=("bar", "json"), default="bar",
                       help="a bar on standard error, or JSON lines on standard output")
    train.set_defaults(run=_train)
    evaluation = commands.add_parser("eval", help="cross-validate and write an HTML report")
    evaluation.add_argument("--intents", default=DEFAULT_INTENTS, help="intent directory")
    evaluation.add_argument("--out", default=DEFAULT_REPORTS, help="report directory")
    evaluation.add_argument("--folds", type=int, default=5)
    evaluation.add_argument("--progress", choices=("bar", "json"), default="bar")
    evaluation.add_argument("--no-compare", action="store_true",
                            help="skip the second cross-validation without the encoder")
    evaluation.set_defaults(run=_eval)
    commands.add_parser("validate", help="check the intent files (see bot.validate_cli)")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

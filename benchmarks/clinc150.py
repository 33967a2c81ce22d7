"""CLINC150 "Full" benchmark of kefu's classifier, for comparison with Larson et al. (2019), Table 2.

Protocol: train on ``train`` (the 150 in-scope intents only, no out-of-scope
examples); fit the softmax temperature, the confidence model and the
rejection threshold on ``val`` + ``oos_val``; report once on ``test`` +
``oos_test``. A rejected in-scope query counts as wrong, as in the paper.

Only 100 ``oos_val`` queries exist, so no threshold is fitted to them alone.
The headline operating point is an in-scope rejection budget: the threshold
below which 1% of the 3,000 in-scope validation queries fall (the
out-of-scope validation queries only help fit the confidence model's four
weights). Other budgets are reported too, and a traffic-weighted point: the
median, over 200 bootstrap resamples of the validation set, of the threshold
that maximises decision accuracy with out-of-scope queries weighted to 20% of
the traffic, the share the bot assumes in production (``OFFTOPIC_SHARE``).

Usage::

    python benchmarks/clinc150.py                       # full run, prints a Markdown table
    python benchmarks/clinc150.py --limit-intents 10    # a small slice (the test suite runs this)
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.classifier import FaqClassifier  # noqa: E402
from bot.decision import ConfidenceModel, Thresholds, confidence_features  # noqa: E402
from bot.engine import OFFTOPIC_SHARE, FaqBot  # noqa: E402
from bot.persistence import MODEL_FILE, save_model  # noqa: E402

#: In-scope rejection budgets reported; the first is the headline operating point.
HEADLINE_BUDGET = 0.01
BUDGETS = (HEADLINE_BUDGET, 0.005, 0.015, 0.02)
#: ../shared beside the checkout; a git worktree under /work/wt/<name> finds it one level up.
DEFAULT_DATA = next((path for path in (base / "shared" / "datasets" / "clinc150" / "data_full.json"
                                       for base in (ROOT.parent, ROOT.parent.parent))
                     if path.exists()), ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json")

#: Larson et al. 2019, Table 2, "Full", oos-threshold: in-scope accuracy / OOS recall.
PAPER = [("SVM", 88.2, 18.0), ("FastText", 88.6, 28.3), ("DialogFlow", 90.8, 26.7),
         ("Rasa", 90.9, 31.2), ("CNN", 90.9, 30.9), ("MLP", 93.4, 49.1), ("BERT", 96.2, 52.3)]


def load_splits(path, limit_intents=None):
    """Return ``{split: (texts, labels)}``; with `limit_intents`, only that many intents
    (the first in sorted order) and a proportional share of the out-of-scope queries."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    keep = None
    if limit_intents:
        keep = set(sorted({label for _, label in data["train"]})[:limit_intents])
    splits = {}
    for name, pairs in data.items():
        if keep is not None:
            if name.startswith("oos"):
                pairs = pairs[:max(20, len(pairs) * len(keep) // 150)]
            else:
                pairs = [pair for pair in pairs if pair[1] in keep]
        splits[name] = ([text for text, _ in pairs], np.asarray([label for _, label in pairs]))
    return splits


def batch_features(clf, texts):
    """Confidence inputs of each text (batch path); with an encoder, the top intent's similarity."""
    probs = clf.predict_proba(texts)
    similarity = clf.class_similarity(texts)
    if similarity is not None:
        similarity = similarity[np.arange(len(texts)), probs.argmax(axis=1)]
    return probs, confidence_features(probs, clf.coverage(texts), similarity=similarity)


def decision_scores(clf, confidence_model, texts):
    """Return ``(predicted intent, confidence, top probability)`` of each text (batch path)."""
    probs, features = batch_features(clf, texts)
    return clf.classes_[probs.argmax(axis=1)], confidence_model.predict(features), probs.max(axis=1)


def objective(threshold, pred, score, labels, is_oos):
    """Weighted accuracy of answering at or above `threshold` and rejecting below it."""
    answer = score >= threshold
    inscope_ok = (answer & (pred == labels))[~is_oos].mean()
    oos_ok = (~answer)[is_oos].mean()
    return (1 - OFFTOPIC_SHARE) * inscope_ok + OFFTOPIC_SHARE * oos_ok


def robust_threshold(pred, score, labels, is_oos, resamples=200, seed=0):
    """Median over bootstrap resamples of the threshold that maximises `objective`."""
    rng = np.random.default_rng(seed)
    grid = np.unique(np.quantile(score, np.linspace(0, 0.6, 301)))
    inside, outside = np.flatnonzero(~is_oos), np.flatnonzero(is_oos)
    best = []
    for _ in range(resamples):
        rows = np.concatenate([rng.choice(inside, len(inside)), rng.choice(outside, len(outside))])
        values = [objective(t, pred[rows], score[rows], labels[rows], is_oos[rows]) for t in grid]
        best.append(grid[int(np.argmax(values))])
    return float(np.median(best))


def report(pred, score, threshold, labels, is_oos):
    """In-scope accuracy, OOS recall and OOS precision (percent) at `threshold`."""
    answer = score >= threshold
    accuracy = (answer & (pred == labels))[~is_oos].mean()
    recall = (~answer)[is_oos].mean()
    rejected = ~answer
    precision = is_oos[rejected].mean() if rejected.any() else 1.0
    return 100 * accuracy, 100 * recall, 100 * precision


def latency(bot, texts, runs):
    """Per-query seconds of `FaqBot.classify` (tokenise, score, calibrate, confidence)."""
    for text in texts[:200]:
        bot.classify(text)  # warm the token cache the way a running server has it warm
    medians, p99s = [], []
    for _ in range(runs):
        times = []
        for text in texts:
            start = time.perf_counter()
            bot.classify(text)
            times.append(time.perf_counter() - start)
        medians.append(np.percentile(times, 50))
        p99s.append(np.percentile(times, 99))
    return statistics.median(medians), statistics.median(p99s)


def sklearn_latency(clf, texts):
    """Per-query p50 of the plain scikit-learn path (``Pipeline.decision_function`` on one text)."""
    times = []
    for text in texts:
        start = time.perf_counter()
        clf.decision_function([text])
        times.append(time.perf_counter() - start)
    return float(np.percentile(times, 50))


def run(data=DEFAULT_DATA, limit_intents=None, runs=5, latency_queries=2000, C=1.0, out=print,
        encoder="auto"):
    """Run the benchmark and return its figures as a dict (also printed through `out`)."""
    splits = load_splits(data, limit_intents)
    train_x, train_y = splits["train"]
    started = time.perf_counter()
    clf = FaqClassifier(C=C, calibration_folds=0, encoder=encoder).fit(train_x, train_y)
    train_seconds = time.perf_counter() - started

    val_x = splits["val"][0] + splits["oos_val"][0]
    val_y = np.concatenate([splits["val"][1], splits["oos_val"][1]])
    val_oos = val_y == "oos"
    clf.calibrate(splits["val"][0], splits["val"][1])
    probs, features = batch_features(clf, val_x)
    val_pred = clf.classes_[probs.argmax(axis=1)]
    weight = np.where(val_oos, OFFTOPIC_SHARE / (1 - OFFTOPIC_SHARE)
                      * (~val_oos).sum() / max(val_oos.sum(), 1), 1.0)
    confidence_model = ConfidenceModel().fit(features, val_pred == val_y, weight)

    test_x = splits["test"][0] + splits["oos_test"][0]
    test_y = np.concatenate([splits["test"][1], splits["oos_test"][1]])
    test_oos = test_y == "oos"
    val_pred, val_conf, val_top = decision_scores(clf, confidence_model, val_x)
    test_pred, test_conf, test_top = decision_scores(clf, confidence_model, test_x)

    rows = {}
    for budget in BUDGETS:
        threshold = float(np.quantile(val_conf[~val_oos], budget))
        rows[f"confidence model, {budget:.1%} in-scope rejection budget"] = report(
            test_pred, test_conf, threshold, test_y, test_oos) + (threshold,)
    threshold = float(np.quantile(val_top[~val_oos], HEADLINE_BUDGET))
    rows[f"max probability only, {HEADLINE_BUDGET:.1%} budget"] = report(
        test_pred, test_top, threshold, test_y, test_oos) + (threshold,)
    threshold = robust_threshold(val_pred, val_conf, val_y, val_oos)
    rows["confidence model, traffic-weighted (20% OOS)"] = report(
        test_pred, test_conf, threshold, test_y, test_oos) + (threshold,)
    raw_accuracy = 100 * (test_pred == test_y)[~test_oos].mean()

    threshold = float(np.quantile(val_conf[~val_oos], HEADLINE_BUDGET))
    bot = FaqBot(clf, confidence_model, Thresholds(answer=threshold, suggest=threshold),
                 intents=None, metadata={})
    queries = (splits["test"][0] * 2)[:latency_queries]
    p50, p99 = latency(bot, queries, runs)
    sklearn_p50 = sklearn_latency(clf, queries[:300])
    with tempfile.TemporaryDirectory() as tmp:
        params, arrays, grams = clf.to_arrays()
        save_model(tmp, {"benchmark": "clinc150"}, arrays, {"classifier": params, "vocabulary": grams,
                                                         "confidence": confidence_model.to_dict()})
        model_bytes = (Path(tmp) / MODEL_FILE).stat().st_size

    figures = {
        "encoder": clf.encoder_.name if clf.uses_encoder else "none",
        "intents": len(clf.classes_), "train_queries": len(train_x),
        "features": clf.featurizer_.n_features_out_,
        "train_seconds": round(train_seconds, 2),
        "raw_inscope_accuracy": round(raw_accuracy, 2),
        "rows": {name: {"inscope_accuracy": round(a, 2), "oos_recall": round(r, 2),
                        "oos_precision": round(p, 2), "threshold": round(t, 4)}
                 for name, (a, r, p, t) in rows.items()},
        "p50_ms": round(p50 * 1e3, 4), "p99_ms": round(p99 * 1e3, 4),
        "sklearn_p50_ms": round(sklearn_p50 * 1e3, 4),
        "model_mb": round(model_bytes / 2**20, 2),
        "loaded_arrays_mb": round(sum(np.asarray(a).nbytes for a in arrays.values()) / 2**20, 2),
        "confidence_model": confidence_model.to_dict(),
    }
    out(markdown(figures))
    return figures


def markdown(f):
    """The results as a Markdown table beside the paper's Table 2."""
    lines = [
        f"CLINC150 Full, encoder {f['encoder']}: {f['intents']} intents, {f['train_queries']} training queries, "
        f"{f['features']} features",
        "",
        "| model | in-scope accuracy | OOS recall | OOS precision |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} (paper) | {acc} | {rec} | |" for name, acc, rec in PAPER]
    for name, row in f["rows"].items():
        lines.append(f"| kefu, {name} | {row['inscope_accuracy']:.1f}"
                     f" | {row['oos_recall']:.1f} | {row['oos_precision']:.1f} |")
    lines += [
        "",
        f"in-scope accuracy without rejection: {f['raw_inscope_accuracy']:.2f}%",
        f"training time: {f['train_seconds']:.1f} s",
        f"single-query latency: p50 {f['p50_ms']:.3f} ms, p99 {f['p99_ms']:.3f} ms "
        f"(scikit-learn pipeline on one query: p50 {f['sklearn_p50_ms']:.3f} ms)",
        f"model size: {f['model_mb']:.2f} MB (npz, compressed); numeric arrays in memory "
        f"{f['loaded_arrays_mb']:.1f} MB (plus vocabulary dicts, and the encoder's weights)",
    ]
    return "\n".join(lines)


def main(argv=None):
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="path of data_full.json")
    parser.add_argument("--limit-intents", type=int, default=None,
                        help="use only the first N intents (a quick smoke run)")
    parser.add_argument("--runs", type=int, default=5, help="latency runs (median is reported)")
    parser.add_argument("--latency-queries", type=int, default=2000)
    parser.add_argument("--C", type=float, default=1.0, help="SVM regularisation")
    parser.add_argument("--encoder", action="append",
                        help="encoder(s) to compare (default: none and auto, side by side)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    figures = [run(args.data, args.limit_intents, args.runs, args.latency_queries, args.C,
                   encoder=encoder) for encoder in (args.encoder or ["none", "auto"])]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

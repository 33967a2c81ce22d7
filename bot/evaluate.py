"""``python -m bot eval``: cross-validated quality of the FAQ, as JSON, PNG charts and an HTML page.

Every figure comes from stratified k-fold cross-validation: each example is
classified by a model that never saw it, and the built-in off-topic
sentences are held out the same way. From those out-of-fold predictions the
report gives overall and per-intent precision / recall / F1, the intent
pairs most often confused (with the messages that were), a confusion
matrix, and the answer thresholds with their trade-off between containment
(questions the bot answers correctly) and wrong answers.

The thresholds, and the confidences reported here, come from confidence
models cross-fitted on those out-of-fold predictions (each confidence from a
model that did not see its message); the figures are still estimates from
the training examples, not a test score.
"""
import html
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from bot.classifier import FaqClassifier
from bot.decision import threshold_curve
from bot.embedding_store import EmbeddingStore
from bot.engine import fit_parts
from bot.intents import load_intents

__all__ = ["evaluate", "confused_pairs", "write_report"]


def evaluate(intents_dir, *, folds=5, progress=None, encoder="auto") -> dict:
    """Cross-validate the FAQ under `intents_dir`; return the report as a JSON-safe dict.

    Parameters
    ----------
    intents_dir : str or os.PathLike
    folds : int, default=5
        Folds of the stratified cross-validation (fewer if an intent has fewer examples).
    progress : callable, optional
        ``progress(stage, done, total)``.
    encoder : str, default="auto"
        The classifier's ``encoder`` (``"none"`` for TF-IDF only).

    Returns
    -------
    dict
        ``accuracy``, ``top3_accuracy``, ``per_intent`` (precision, recall,
        f1, support per intent id), ``confused_pairs``, ``thresholds``,
        ``curve`` (see `bot.decision.threshold_curve`), ``offtopic``,
        ``labels`` and ``confusion`` (matrix, rows true, columns predicted).
    """
    intents = load_intents(intents_dir)
    clf, _, thresholds, evidence = fit_parts(
        intents, classifier=FaqClassifier(calibration_folds=folds, encoder=encoder),
        progress=progress, embedding_store=EmbeddingStore.seed_only())
    confidence = evidence["confidence"]
    inscope = ~evidence["offtopic"]
    truth = evidence["labels"][inscope]
    predicted = evidence["predicted"][inscope]
    ids = list(intents.ids)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=ids, zero_division=0)
    index = {intent: i for i, intent in enumerate(ids)}
    confusion = np.zeros((len(ids), len(ids)), dtype=int)
    for t, p in zip(truth, predicted):
        confusion[index[t], index[p]] += 1
    offtopic = evidence["offtopic"]
    texts = np.asarray(evidence["texts"], dtype=object)
    return {
        "encoder": clf.encoder_.name if clf.uses_encoder else "none",
        "n_examples": int(inscope.sum()), "n_offtopic": int(offtopic.sum()), "folds": folds,
        "accuracy": float((truth == predicted).mean()),
        "top3_accuracy": float(evidence["in_top3"][inscope].mean()),
        "macro_f1": float(f1.mean()),
        "per_intent": {
            intent: {"precision": float(precision[i]), "recall": float(recall[i]),
                     "f1": float(f1[i]), "support": int(support[i])}
            for i, intent in enumerate(ids)},
        "confused_pairs": confused_pairs(truth, predicted, texts[inscope]),
        "thresholds": {"answer": thresholds.answer, "suggest": thresholds.suggest},
        "curve": threshold_curve(confidence, evidence["correct"], evidence["weight"]),
        "offtopic": {
            "escalated": float((confidence[offtopic] < thresholds.suggest).mean()),
            "answered": float((confidence[offtopic] >= thresholds.answer).mean()),
            "answered_examples": [str(t) for t in texts[offtopic][
                confidence[offtopic] >= thresholds.answer]][:10],
        },
        "labels": ids,
        "confusion": confusion.tolist(),
    }


def confused_pairs(truth, predicted, texts, top=10, examples=3):
    """The `top` most frequent (true, predicted) mistakes, each with up to `examples` messages."""
    counts = Counter()
    samples = defaultdict(list)
    for t, p, text in zip(truth, predicted, texts):
        if t != p:
            counts[(t, p)] += 1
            if len(samples[(t, p)]) < examples:
                samples[(t, p)].append(str(text))
    return [{"true": t, "predicted": p, "count": n, "examples": samples[(t, p)]}
            for (t, p), n in counts.most_common(top)]


def write_report(report: dict, out_dir) -> Path:
    """Write ``report.json``, ``confusion.png``, ``thresholds.png`` and ``index.html``; return the HTML path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")

    labels, matrix = report["labels"], np.asarray(report["confusion"])
    size = max(6, 0.28 * len(labels))
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    ax.set_title(f"Out-of-fold confusion (rows sum to 1), accuracy {report['accuracy']:.1%}")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=110)
    plt.close(fig)

    curve = report["curve"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot([r["wrong"] for r in curve], [r["containment"] for r in curve], marker=".", ms=3)
    for key, marker in (("answer", "o"), ("suggest", "s")):
        t = report["thresholds"][key]
        row = min(curve, key=lambda r: abs(r["threshold"] - t))
        ax.plot(row["wrong"], row["containment"], marker, ms=9,
                label=f"{key} threshold {t:.2f}: containment {row['containment']:.1%}, "
                      f"wrong {row['wrong']:.1%}")
    ax.set_xlabel("wrong answers (share of all messages, off-topic weighted)")
    ax.set_ylabel("containment (answered correctly)")
    ax.set_title("What each answer threshold trades")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "thresholds.png", dpi=110)
    plt.close(fig)

    path = out / "index.html"
    path.write_text(_html(report), encoding="utf-8")
    return path


def _html(report):
    e = html.escape
    per_intent = sorted(report["per_intent"].items(), key=lambda item: item[1]["f1"])
    rows = "".join(
        f"<tr><td>{e(i)}</td><td>{m['precision']:.2f}</td><td>{m['recall']:.2f}</td>"
        f"<td>{m['f1']:.2f}</td><td>{m['support']}</td></tr>" for i, m in per_intent)
    pairs = "".join(
        f"<tr><td>{e(p['true'])}</td><td>{e(p['predicted'])}</td><td>{p['count']}</td>"
        f"<td>{'<br>'.join(e(x) for x in p['examples'])}</td></tr>"
        for p in report["confused_pairs"])
    shown = [r for r in report["curve"] if round(r["threshold"] * 100) % 10 == 0]
    curve = "".join(
        f"<tr><td>{r['threshold']:.2f}</td><td>{r['answered']:.1%}</td>"
        f"<td>{r['containment']:.1%}</td><td>{r['wrong']:.1%}</td><td>{r['precision']:.1%}</td></tr>"
        for r in shown)
    t, off = report["thresholds"], report["offtopic"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kefu bot evaluation</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
img{{max-width:100%}}</style></head><body>
<h1>FAQ bot evaluation</h1>
<p>{report['folds']}-fold stratified cross-validation on {report['n_examples']} examples
and {report['n_offtopic']} built-in off-topic sentences.</p>
<ul><li>accuracy {report['accuracy']:.1%} (top 3: {report['top3_accuracy']:.1%}),
macro F1 {report['macro_f1']:.3f}</li>
<li>suggested thresholds: answer &ge; {t['answer']:.2f}, "did you mean" &ge; {t['suggest']:.2f}</li>
<li>off-topic sentences escalated {off['escalated']:.1%}, answered {off['answered']:.1%}</li></ul>
<h2>Thresholds</h2><img src="thresholds.png" alt="containment against wrong answers">
<table><tr><th>answer threshold</th><th>answered</th><th>containment</th><th>wrong</th>
<th>precision</th></tr>{curve}</table>
<h2>Most confused pairs</h2>
<table><tr><th>true</th><th>predicted</th><th>count</th><th>examples</th></tr>{pairs}</table>
<h2>Per intent (worst first)</h2>
<table><tr><th>intent</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>{rows}</table>
<h2>Confusion matrix</h2><img src="confusion.png" alt="confusion matrix">
</body></html>
"""

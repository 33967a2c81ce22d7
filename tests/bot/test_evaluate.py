"""Specification of ``python -m bot train|eval|validate``."""
import json

from bot.__main__ import main


def test_eval_writes_json_charts_and_html_with_suggested_thresholds(small_faq, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["eval", "--intents", str(small_faq), "--out", str(out), "--folds", "3"]) == 0
    assert {p.name for p in out.iterdir()} == {"report.json", "confusion.png", "thresholds.png",
                                               "index.html"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(report["per_intent"]) == set(report["labels"])
    assert 0 < report["accuracy"] <= 1 and report["folds"] == 3
    assert 0 <= report["thresholds"]["suggest"] <= report["thresholds"]["answer"] <= 1
    assert all({"true", "predicted", "count", "examples"} <= set(p)
               for p in report["confused_pairs"])
    assert report["curve"][0]["threshold"] == 0.0 and report["curve"][-1]["threshold"] == 1.0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "confusion.png" in page and "thresholds.png" in page
    printed = capsys.readouterr()
    assert "accuracy" in printed.out and "cross-validate" in printed.err  # the progress bar


def test_train_saves_a_model_and_prints_its_scores(small_faq, tmp_path, capsys):
    model = tmp_path / "model"
    assert main(["train", "--intents", str(small_faq), "--model", str(model)]) == 0
    assert (model / "model.npz").exists() and (model / "metadata.json").exists()
    assert "thresholds: answer >=" in capsys.readouterr().out


def test_validate_is_handed_to_the_intent_checker(small_faq, capsys):
    assert main(["validate", str(small_faq)]) == 0
    assert "0 errors" in capsys.readouterr().out

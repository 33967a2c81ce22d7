"""Bot models trained from the studio: train in the background, compare, publish, roll back.

A Retrain copies the intent files into ``instance/models/<id>/intents`` and trains
there, in a child process (``python -m bot train`` then ``bot eval``), so the
server's event loop never waits on scikit-learn and a model always comes with
the exact files it learned from. Publishing writes the version's id into
``instance/models/current`` (replaced atomically); every process's
:class:`~kefu.services.bot_bridge.BotService` notices within
``BOT_RELOAD_CHECK_SECONDS`` and loads that version with its own intent files,
so a rollback to an older model also brings back the answers it was published
with. ``kefu train`` (from the files, into ``MODEL_DIR``) ends the publication:
the files are the source of truth again.

One training at a time per deployment: the ``training`` row is unique (a
partial index), so a second Retrain from any process is refused.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import ModelVersion, utcnow
from kefu.services.errors import ServiceError

__all__ = ["published_paths", "start_training", "run_training", "publish", "unpublish",
           "versions", "POINTER"]

POINTER = "current"
#: A ``training`` row older than this belongs to a process that died mid-training.
STALE_TRAINING = timedelta(hours=1)
STAGES = ("train", "evaluate")


def models_root(instance_path) -> Path:
    """Where model versions live: ``instance/models``."""
    return Path(instance_path) / "models"


def published_paths(instance_path):
    """``(intents_dir, model_dir)`` of the published version, or None (serve ``MODEL_DIR``).

    Framework-free: the bot bridge calls it on every reload check.
    """
    root = models_root(instance_path)
    try:
        version = (root / POINTER).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not version.isdigit():
        return None
    folder = root / version
    if not (folder / "model" / "model.npz").is_file() or not (folder / "intents").is_dir():
        return None
    return folder / "intents", folder / "model"


def pointer_stamp(instance_path):
    """What changes when another version is published (the pointer's text), for reload checks."""
    try:
        return (models_root(instance_path) / POINTER).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _folder(version_id) -> Path:
    return models_root(current_app.instance_path) / str(int(version_id))


# --- training -------------------------------------------------------------------


def start_training(user_id) -> int:
    """Claim the one training slot and snapshot the intent files; returns the version id.

    `ServiceError` ``invalid_state`` when a training runs already (anywhere).
    """
    from kefu.services.intent_store import IntentStore

    stale = utcnow() - STALE_TRAINING
    for row in db.session.scalars(select(ModelVersion).where(ModelVersion.status == "training",
                                                              ModelVersion.created_at < stale)):
        row.status, row.error = "failed", "the training process stopped without a result"
    db.session.commit()
    row = ModelVersion(status="training", trained_by_id=user_id)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("invalid_state", "A training is running already; wait for it to "
                                            "finish. · 已有一次训练在进行，请等它结束。") from None
    folder = _folder(row.id)
    store = IntentStore(current_app.config["INTENTS_DIR"])
    for name in store.names():
        target = folder / "intents" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store.root / name, target)
    from bot.intents import fingerprint_dir

    row.intents_fingerprint = fingerprint_dir(folder / "intents")
    _audit(user_id, "model.train", row.id, None, {"intents": row.intents_fingerprint})
    db.session.commit()
    return row.id


def _audit(user_id, action, version_id, old, new):
    """An audit entry for a model change by ``user_id`` (the caller commits with it)."""
    from kefu.models import User
    from kefu.services import audit

    actor = db.session.get(User, user_id) if user_id is not None else None
    audit.record(actor, action, "model", version_id, old, new)


def _run_stage(command, version_id, stage, progress):
    """Run one ``python -m bot`` command, passing its JSON progress lines on."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryFile("w+") as errors, subprocess.Popen(
            [sys.executable, "-m", "bot", *command], stdout=subprocess.PIPE, stderr=errors,
            text=True, env=env) as process:
        for line in process.stdout:
            if line.startswith("{"):
                try:
                    step = json.loads(line)
                    progress({"version": version_id, "stage": stage, "step": str(step["stage"]),
                              "done": int(step["done"]), "total": int(step["total"])})
                except (ValueError, KeyError, TypeError):
                    pass
        if process.wait() != 0:
            errors.seek(0)
            lines = [line for line in errors.read().strip().splitlines() if line.strip()]
            raise RuntimeError(lines[-1] if lines else f"bot {command[0]} failed")


def run_training(version_id, progress) -> dict:
    """Train and evaluate version ``version_id`` (claimed by `start_training`); never raises.

    ``progress(dict)`` gets each step; the result is the event payload for
    "done" (``{"version", "status", "summary"}``).
    """
    folder = _folder(version_id)
    row = db.session.get(ModelVersion, version_id)
    try:
        _run_stage(["train", "--intents", str(folder / "intents"), "--model",
                    str(folder / "model"), "--progress", "json"], version_id, "train", progress)
        _run_stage(["eval", "--intents", str(folder / "intents"), "--out", str(folder / "report"),
                    "--progress", "json", "--no-compare", "--folds", "5"], version_id, "evaluate",
                   progress)
        row.summary = _summary(folder, _current_summary())
        row.status = "ready"
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        row.status, row.error = "failed", str(error)[:2000]
    row.finished_at = utcnow()
    db.session.commit()
    prune()
    return {"version": version_id, "status": row.status, "error": row.error}


def _summary(folder, current):
    """Scores of a trained version and how they compare with ``current`` (or None)."""
    metadata = json.loads((folder / "model" / "metadata.json").read_text(encoding="utf-8"))
    report = json.loads((folder / "report" / "report.json").read_text(encoding="utf-8"))
    summary = {
        "scores": metadata["scores"], "n_intents": metadata["n_intents"],
        "n_examples": metadata["n_examples"], "thresholds": metadata["thresholds"],
        "accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
        "offtopic_escalated": report["offtopic"]["escalated"],
        "per_intent_f1": {k: round(v["f1"], 4) for k, v in report["per_intent"].items()},
    }
    if current:
        before = current.get("per_intent_f1", {})
        changes = {k: round(v - before[k], 4) for k, v in summary["per_intent_f1"].items()
                   if k in before and abs(v - before[k]) >= 0.005}
        summary["compared_with"] = current.get("version")
        summary["delta"] = {
            "accuracy": round(summary["accuracy"] - current.get("accuracy", 0), 4),
            "macro_f1": round(summary["macro_f1"] - current.get("macro_f1", 0), 4),
            "offtopic_escalated": round(summary["offtopic_escalated"]
                                        - current.get("offtopic_escalated", 0), 4),
            "f1_up": sorted(((k, d) for k, d in changes.items() if d > 0), key=lambda x: -x[1]),
            "f1_down": sorted(((k, d) for k, d in changes.items() if d < 0), key=lambda x: x[1]),
            "added": sorted(set(summary["per_intent_f1"]) - set(before)),
            "removed": sorted(set(before) - set(summary["per_intent_f1"])),
        }
        # Held back: the out-of-fold accuracy and the built-in off-topic sentences.
        summary["worse"] = (summary["delta"]["accuracy"] < -0.01
                            or summary["delta"]["offtopic_escalated"] < -0.02)
    return summary


def _current_summary():
    row = db.session.scalars(select(ModelVersion).where(ModelVersion.status == "published")
                             ).first()
    if row is None or not row.summary:
        return None
    return {**row.summary, "version": row.id}


# --- publishing -------------------------------------------------------------------


def publish(version_id, user_id, *, confirmed=False) -> ModelVersion:
    """Make ``version_id`` the model every process serves (a rollback is the same call).

    A version that scored worse than the published one on the held-back checks
    needs ``confirmed``.
    """
    row = db.session.get(ModelVersion, version_id)
    if row is None or row.status not in ("ready", "published"):
        raise ServiceError("not_found", "No trained model with this number. · 没有这个模型。")
    if (row.summary or {}).get("worse") and not confirmed and row.published_at is None:
        raise ServiceError("invalid_state", "This model is worse on the held-back checks; "
                                            "confirm to publish it anyway. · 该模型在保留检查上"
                                            "更差，确认后才能发布。")
    if not (_folder(row.id) / "model" / "model.npz").is_file():
        raise ServiceError("not_found", "This model's files are gone. · 模型文件已不存在。")
    before = None
    for other in db.session.scalars(select(ModelVersion).where(ModelVersion.status == "published")):
        other.status, before = "ready", other.id
    row.status, row.published_at, row.published_by_id = "published", utcnow(), user_id
    worse = bool((row.summary or {}).get("worse"))
    _audit(user_id, "model.publish", row.id, {"published": before},
           {"published": row.id, "confirmed_worse": bool(confirmed) and worse})
    db.session.flush()
    _write_pointer(str(row.id))
    db.session.commit()
    return row


def unpublish():
    """Serve ``MODEL_DIR`` again (after ``kefu train``): no version is published."""
    (models_root(current_app.instance_path) / POINTER).unlink(missing_ok=True)
    for row in db.session.scalars(select(ModelVersion).where(ModelVersion.status == "published")):
        row.status = "ready"
    db.session.commit()


def _write_pointer(text):
    root = models_root(current_app.instance_path)
    root.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".current.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="ascii") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, root / POINTER)


def prune():
    """Keep the published version and the newest ``STUDIO_MODELS_KEPT`` others."""
    keep = current_app.config["STUDIO_MODELS_KEPT"]
    rows = list(db.session.scalars(select(ModelVersion).where(
        ModelVersion.status.in_(("ready", "failed"))).order_by(ModelVersion.id.desc())))
    for row in rows[keep:]:
        shutil.rmtree(_folder(row.id), ignore_errors=True)
        row.status = "pruned"
    db.session.commit()


def versions(limit=50) -> list:
    """The newest versions first, for the models page."""
    return list(db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())
                                   .limit(limit)))


def editor_of_login(login_id) -> int:
    """The id of the active editor or admin behind a login session, for the /studio socket."""
    from kefu.models import EDITOR_ROLES, LoginSession

    user = LoginSession.user_of(login_id)
    if user is None:
        raise ServiceError("unauthorized", "Log in as an editor first.")
    if not user.active or not user.has_role(*EDITOR_ROLES):
        raise ServiceError("forbidden", "Only editors and admins follow trainings.")
    return user.id

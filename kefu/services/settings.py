"""Desk-wide settings stored in the database, so every process reads the same values."""
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.extensions import db
from kefu.models import Setting, utcnow
from kefu.services.errors import ServiceError

#: Every setting with its default; a missing row means the default.
DEFAULTS = {
    # None: always open; else {"tz": "Asia/Shanghai", "days": [0, ..., 6], "start": "09:00",
    # "end": "21:00"} with Monday = 0.
    "business_hours": None,
    "auto_assign": False,
    "max_chats_per_agent": 5,
    "default_wait_seconds": 120,  # expected wait per place in the queue with no history yet
    # The conversation policy (kefu.services.policy): clarify before handing off.
    "clarify_misses_before_handoff": 2,  # the Nth unclear message in a row hands off
    "clarify_suggest_min_confidence": 0.15,  # "did you mean" from here, else the topics
    "offtopic_threshold": 0.7,  # P(off-topic) from which a message is politely declined
    "answer_while_waiting": True,  # the bot answers confident questions in the queue
    "clarify_topics": None,  # intent ids "I can help with" lists; None: the most asked
}


def get(key: str):
    """The value of setting ``key`` (its default when never set)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def all_settings() -> dict:
    """Every setting, defaults filled in."""
    rows = {r.key: r.value for r in db.session.scalars(db.select(Setting))}
    return {key: rows.get(key, default) for key, default in DEFAULTS.items()}


def put(key: str, value) -> dict:
    """Validate and store one setting; returns every setting."""
    if key not in DEFAULTS:
        raise ServiceError("unknown_setting", f"There is no setting '{key}'.")
    value = _validate(key, value)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
    db.session.commit()
    return all_settings()


def _validate(key, value):
    if key == "auto_assign":
        if not isinstance(value, bool):
            raise ServiceError("invalid_type", "auto_assign must be true or false.")
    elif key in ("max_chats_per_agent", "default_wait_seconds"):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100000:
            raise ServiceError("invalid_type", f"{key} must be a positive whole number.")
    elif key == "business_hours" and value is not None:
        _parse_hours(value)
    elif key == "clarify_misses_before_handoff":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
            raise ServiceError("invalid_type", f"{key} must be a whole number from 1 to 10.")
    elif key in ("clarify_suggest_min_confidence", "offtopic_threshold"):
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not 0 <= value <= 1:
            raise ServiceError("invalid_type", f"{key} must be a number from 0 to 1.")
        value = float(value)
    elif key == "answer_while_waiting":
        if not isinstance(value, bool):
            raise ServiceError("invalid_type", f"{key} must be true or false.")
    elif key == "clarify_topics" and value is not None:
        if not isinstance(value, list) or len(value) > 10 or not all(
                isinstance(v, str) and 0 < len(v) <= 64 for v in value):
            raise ServiceError("invalid_type", f"{key} must be null or a list of intent ids.")
    return value


def _parse_hours(hours):
    """(zone, days, start, end) from a business_hours value; ServiceError if malformed."""
    try:
        zone = ZoneInfo(hours["tz"])
        days = {int(d) for d in hours.get("days", range(7))}
        start = time.fromisoformat(hours["start"])
        end = time.fromisoformat(hours["end"])
    except (KeyError, TypeError, ValueError, OverflowError, ZoneInfoNotFoundError):
        raise ServiceError("invalid_business_hours",
                           'business_hours needs {"tz", "days", "start": "HH:MM", "end": "HH:MM"}.')
    if not days <= set(range(7)):
        raise ServiceError("invalid_business_hours", "days are 0 (Monday) to 6 (Sunday).")
    return zone, days, start, end


def within_business_hours(now: datetime | None = None) -> bool:
    """True when the desk is open at ``now`` (always, when no hours are set)."""
    hours = get("business_hours")
    if not hours:
        return True
    zone, days, start, end = _parse_hours(hours)
    local = (now or utcnow()).astimezone(zone)
    if local.weekday() not in days:
        return False
    if start <= end:
        return start <= local.time() < end
    return local.time() >= start or local.time() < end  # hours across midnight

"""Desk-wide settings stored in the database, so every process reads the same values.

Each process keeps the settings in memory and asks the database for their *version*
(one primary-key read) at most every ``SETTINGS_CHECK_SECONDS``; only when another
process has changed them does it read them all again.  A change made here is seen
here at once and by every other process within that interval, without a restart and
without reading every setting on every message.
"""
import re
import secrets
import time as clock
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from sqlalchemy import select

from kefu import i18n
from kefu.extensions import db
from kefu.models import Setting, utcnow
from kefu.services import audit
from kefu.services.errors import ServiceError

#: Every setting with its default; a missing row means the default.
DEFAULTS = {
    # None: always open; else {"tz": "Asia/Shanghai", "days": [0, ..., 6], "start": "09:00",
    # "end": "21:00"} with Monday = 0.
    "business_hours": None,
    "auto_assign": False,
    "max_chats_per_agent": 5,
    "default_wait_seconds": 120,  # expected wait per place in the queue with no history yet
    "prechat_form": False,  # the widget asks an anonymous visitor's name and email first
    # Per language; an empty or missing text means kefu's own (kefu.i18n "greeting").
    "welcome_message": {"zh": "", "en": ""},
    "suggested_questions": {"zh": [], "en": []},
    # Sites whose pages may open the widget's connection; empty: any site.
    "widget_origins": [],
    # The question above the widget's 1-5 stars; empty: the widget's own.
    "csat_question": {"zh": "", "en": ""},
    # The lifecycle (kefu/services/lifecycle_jobs.py): None here means the deployment's config.
    "abandon_after_seconds": None,
    "idle_close_after_seconds": None,
    "sticky_agent_seconds": None,
    # The conversation policy (kefu.services.policy): clarify before handing off.
    "clarify_misses_before_handoff": 2,  # the Nth unclear message in a row hands off
    "clarify_suggest_min_confidence": 0.15,  # "did you mean" from here, else the topics
    "offtopic_threshold": 0.7,  # P(off-topic) from which a message is politely declined
    "answer_while_waiting": True,  # the bot answers confident questions in the queue
    "clarify_topics": None,  # intent ids "I can help with" lists; None: the most asked
}
#: Settings whose default comes from the configuration (``KEFU_<NAME>``), not from here.
CONFIGURED = {"abandon_after_seconds": "ABANDON_AFTER_SECONDS",
              "idle_close_after_seconds": "IDLE_CLOSE_AFTER_SECONDS",
              "sticky_agent_seconds": "STICKY_AGENT_SECONDS"}
#: The row whose value changes with every write: what other processes compare.
VERSION_KEY = "_version"
MAX_SUGGESTIONS = 6
ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


class InvalidSetting(ServiceError):
    """A value refused, with the field it is about and the reason in both languages."""

    def __init__(self, key, en, zh, code="invalid_setting"):
        super().__init__(code, en)
        self.key = key
        self.zh = zh

    def say(self, lang) -> str:
        """The reason in ``lang``."""
        return self.zh if lang == "zh" else self.message


@dataclass
class _Cache:
    values: dict
    version: object
    checked_at: float


def _default(key: str):
    if key in CONFIGURED:
        return int(current_app.config[CONFIGURED[key]])
    return DEFAULTS[key]


def _load() -> _Cache:
    """Read every setting and the version in one query."""
    rows = {r.key: r.value for r in db.session.scalars(select(Setting))}
    values = {key: rows[key] if key in rows else _default(key) for key in DEFAULTS}
    return _Cache(values, rows.get(VERSION_KEY), clock.monotonic())


def _current() -> dict:
    """This process's copy, refreshed when the stored version differs from it."""
    extensions = current_app.extensions
    cache = extensions.get("kefu_settings")
    now = clock.monotonic()
    if cache is not None and now - cache.checked_at < current_app.config["SETTINGS_CHECK_SECONDS"]:
        return cache.values
    if cache is not None:
        version = db.session.scalar(select(Setting.value).where(Setting.key == VERSION_KEY))
        if version == cache.version:
            cache.checked_at = now
            return cache.values
    extensions["kefu_settings"] = cache = _load()  # one assignment: readers see old or new
    return cache.values


def get(key: str):
    """The value of setting ``key`` (its default when never set)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    return _current()[key]


def all_settings() -> dict:
    """Every setting, defaults filled in."""
    return dict(_current())


def put(key: str, value, actor=None) -> dict:
    """Validate and store one setting (audited); returns every setting."""
    return put_many({key: value}, actor)


def put_many(values: dict, actor=None) -> dict:
    """Validate every value first, then store those that changed in one transaction.

    Nothing is stored when any value is refused; the first refusal is raised (the
    admin page uses :func:`validate_all` to show every one).
    """
    clean = {}
    for key, value in values.items():
        if key not in DEFAULTS:
            raise ServiceError("unknown_setting", f"There is no setting '{key}'.")
        clean[key] = validate(key, value)
    current = _load().values
    changed = False
    for key, value in clean.items():
        if current[key] == value:
            continue
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value=value))
        else:
            row.value = value
            row.updated_at = utcnow()
        audit.record(actor, "setting.update", "setting", key, {"value": current[key]},
                     {"value": value})
        changed = True
    if changed:
        version = db.session.get(Setting, VERSION_KEY)
        token = secrets.token_hex(8)
        if version is None:
            db.session.add(Setting(key=VERSION_KEY, value=token))
        else:
            version.value = token
            version.updated_at = utcnow()
    db.session.commit()
    current_app.extensions["kefu_settings"] = _load()
    return all_settings()


def validate_all(values: dict) -> tuple:
    """``(clean values, {key: InvalidSetting})``: every field checked, not just the first."""
    clean, errors = {}, {}
    for key, value in values.items():
        try:
            clean[key] = validate(key, value)
        except InvalidSetting as error:
            errors[key] = error
        except ServiceError as error:
            errors[key] = InvalidSetting(key, error.message, error.message, error.code)
    return clean, errors


def validate(key, value):
    """The value to store for ``key``, or InvalidSetting saying what is wrong."""
    if key == "auto_assign":
        if not isinstance(value, bool):
            raise InvalidSetting(key, "auto_assign must be true or false.",
                                 "自动分配只能是开或关。", "invalid_type")
    elif key == "prechat_form":
        if not isinstance(value, bool):
            raise InvalidSetting(key, "prechat_form must be true or false.",
                                 "对话前表单只能是开或关。", "invalid_type")
    elif key == "max_chats_per_agent":
        _whole(key, value, 1, 100, "chats per agent", "每位客服的对话数")
    elif key == "default_wait_seconds":
        _whole(key, value, 1, 100000, "wait per place in the queue (seconds)",
               "每个排队位置的等待时间（秒）")
    elif key in CONFIGURED:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**7:
            raise InvalidSetting(key, f"{key} must be a whole number of seconds (0 turns it off).",
                                 "请填写整数秒数（0 表示关闭）。", "invalid_type")
    elif key == "business_hours":
        if value is not None:
            _parse_hours(value)
            value = {"tz": value["tz"], "days": sorted({int(d) for d in value["days"]}),
                     "start": value["start"], "end": value["end"]}
    elif key in ("welcome_message", "csat_question"):
        value = _texts(key, value, 500 if key == "welcome_message" else 200)
    elif key == "suggested_questions":
        value = _questions(value)
    elif key == "widget_origins":
        value = _origins(value)
    elif key == "clarify_misses_before_handoff":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
            raise InvalidSetting(key, f"{key} must be a whole number from 1 to 10.",
                                 "请填写 1 到 10 的整数。", "invalid_type")
    elif key in ("clarify_suggest_min_confidence", "offtopic_threshold"):
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not 0 <= value <= 1:
            raise InvalidSetting(key, f"{key} must be a number from 0 to 1.",
                                 "请填写 0 到 1 之间的数。", "invalid_type")
        value = float(value)
    elif key == "answer_while_waiting":
        if not isinstance(value, bool):
            raise InvalidSetting(key, f"{key} must be true or false.", "只能是开或关。",
                                 "invalid_type")
    elif key == "clarify_topics" and value is not None:
        if not isinstance(value, list) or len(value) > 10 or not all(
                isinstance(v, str) and 0 < len(v) <= 64 for v in value):
            raise ServiceError("invalid_type", f"{key} must be null or a list of intent ids.")
    return value


def _whole(key, value, low, high, en, zh):
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidSetting(key, f"The {en} must be a whole number.",
                             f"{zh}必须是整数。", "invalid_type")
    if not low <= value <= high:
        raise InvalidSetting(key, f"The {en} must be between {low} and {high}.",
                             f"{zh}必须在 {low} 到 {high} 之间。")


def _per_language(key, value):
    if not isinstance(value, dict) or set(value) - set(i18n.LANGUAGES):
        raise InvalidSetting(key, 'Give it as {"zh": ..., "en": ...}.',
                             '格式应为 {"zh": ..., "en": ...}。', "invalid_type")
    return value


def _texts(key, value, limit):
    value = _per_language(key, value)
    clean = {}
    for lang in i18n.LANGUAGES:
        text = value.get(lang, "")
        if not isinstance(text, str):
            raise InvalidSetting(key, f"The {lang} text must be text.",
                                 f"{lang} 文本必须是字符串。", "invalid_type")
        text = text.strip()
        if len(text) > limit:
            raise InvalidSetting(key, f"The {_name(lang, 'en')} text is longer than {limit} "
                                      "characters.",
                                 f"{_name(lang, 'zh')}文本超过 {limit} 个字符。")
        clean[lang] = text
    return clean


def _questions(value):
    value = _per_language("suggested_questions", value)
    clean = {}
    for lang in i18n.LANGUAGES:
        items = value.get(lang, [])
        if not isinstance(items, list) or not all(isinstance(q, str) for q in items):
            raise InvalidSetting("suggested_questions", "Suggested questions are a list of texts.",
                                 "推荐问题必须是文本列表。", "invalid_type")
        items = [q.strip() for q in items if q.strip()]
        if len(items) > MAX_SUGGESTIONS:
            raise InvalidSetting(
                "suggested_questions",
                f"At most {MAX_SUGGESTIONS} suggested questions per language "
                f"({_name(lang, 'en')}: {len(items)}).",
                f"每种语言最多 {MAX_SUGGESTIONS} 个推荐问题（{_name(lang, 'zh')}：{len(items)} 个）。")
        for q in items:
            if len(q) > 100:
                raise InvalidSetting("suggested_questions",
                                     f"A suggested question is longer than 100 characters: {q[:30]}…",
                                     f"推荐问题超过 100 个字符：{q[:30]}…")
        if len(set(items)) != len(items):
            raise InvalidSetting("suggested_questions",
                                 f"A {_name(lang, 'en')} suggested question appears twice.",
                                 f"{_name(lang, 'zh')}推荐问题有重复。")
        clean[lang] = items
    return clean


def _origins(value):
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise InvalidSetting("widget_origins", "Allowed origins are a list of texts.",
                             "允许的来源必须是文本列表。", "invalid_type")
    clean = []
    for origin in value:
        origin = origin.strip().rstrip("/").lower()
        if not origin:
            continue
        if not ORIGIN.match(origin):
            raise InvalidSetting(
                "widget_origins",
                f"'{origin[:80]}' is not an origin: write it as https://shop.example.com "
                "(scheme and host, an optional port, no path).",
                f"“{origin[:80]}”不是有效的来源：应写成 https://shop.example.com"
                "（协议和域名，可带端口，不带路径）。")
        if origin not in clean:
            clean.append(origin)
    if len(clean) > 50:
        raise InvalidSetting("widget_origins", "At most 50 allowed origins.",
                             "最多 50 个允许的来源。")
    return clean


def _name(lang, in_lang):
    return {"zh": {"zh": "中文", "en": "英文"}, "en": {"zh": "Chinese", "en": "English"}}[in_lang][lang]


def _parse_hours(hours):
    """(zone, days, start, end) from a business_hours value; ServiceError if malformed."""
    try:
        zone = ZoneInfo(hours["tz"])
        days = {int(d) for d in hours.get("days", range(7))}
        start = time.fromisoformat(hours["start"])
        end = time.fromisoformat(hours["end"])
    except (KeyError, TypeError, ValueError, OverflowError, ZoneInfoNotFoundError):
        raise InvalidSetting("business_hours",
                             'business_hours needs {"tz", "days", "start": "HH:MM", "end": "HH:MM"} '
                             "with a time zone such as Asia/Shanghai.",
                             "工作时间需要时区（如 Asia/Shanghai）、工作日和 HH:MM 格式的开始与结束时间。",
                             "invalid_business_hours")
    if not days <= set(range(7)):
        raise InvalidSetting("business_hours", "days are 0 (Monday) to 6 (Sunday).",
                             "工作日为 0（周一）到 6（周日）。", "invalid_business_hours")
    if start == end:
        raise InvalidSetting("business_hours", "Business hours must start and end at "
                                               "different times.",
                             "开始时间和结束时间不能相同。", "invalid_business_hours")
    return zone, days, start, end


def time_zones() -> list:
    """Every IANA time zone name this machine knows, sorted (for the settings form)."""
    return sorted(available_timezones())


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


def desk_zone():
    """The desk's time zone: the business hours' zone, else UTC (report and log dates)."""
    hours = get("business_hours") or {}
    return ZoneInfo(hours["tz"]) if hours.get("tz") else timezone.utc


def local_day_range(first, last, zone) -> tuple:
    """``(since, until)``: 00:00 of local day ``first`` to 00:00 after ``last`` (either None)."""
    since = datetime.combine(first, time(), zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), zone) if last else None
    return since, until


def welcome(lang: str) -> str:
    """The widget's greeting in ``lang``: the setting, else kefu's own."""
    return get("welcome_message").get(lang) or i18n.text("greeting", lang)


def widget_texts(lang: str) -> dict:
    """What the widget shows from the settings: greeting, suggested questions, CSAT question."""
    return {"greeting": welcome(lang),
            "suggested_questions": list(get("suggested_questions").get(lang) or []),
            "csat_question": get("csat_question").get(lang) or None}


def widget_origin_allowed(origin) -> bool:
    """True when the widget may connect from a page at ``origin`` (no list: any site)."""
    allowed = get("widget_origins")
    if not allowed or not origin:
        return True
    return origin.strip().rstrip("/").lower() in allowed

"""Texts that kefu itself says to visitors, in every language the desk serves."""

LANGUAGES = ("zh", "en")

TEXTS = {
    "greeting": {
        "zh": "您好！我是智能客服，有什么可以帮您？也可以随时输入“转人工”。",
        "en": "Hi! I'm the shop assistant. Ask me anything, or type \"human\" to reach a person.",
    },
    "handoff": {
        "zh": "正在为您转接人工客服，请稍候，您不用重复问题。",
        "en": "Connecting you to a person. Please hold on; you won't need to repeat yourself.",
    },
    "bot_unavailable": {
        "zh": "抱歉，机器人暂时无法回答，正在为您转接人工客服。",
        "en": "Sorry, I can't answer right now; connecting you to a person.",
    },
}


def pick_language(value, default="en"):
    """Map a locale such as ``zh-CN`` or ``en_US`` onto a served language."""
    if isinstance(value, str):
        head = value.strip().lower().replace("_", "-").split("-")[0]
        if head in LANGUAGES:
            return head
    return default


def language_from_accept(header):
    """The first served language in an Accept-Language header, else English."""
    for part in (header or "").split(","):
        lang = pick_language(part.split(";")[0], default=None)
        if lang:
            return lang
    return "en"


def text(key, lang):
    """The text ``key`` in ``lang`` (English when that language lacks it)."""
    entry = TEXTS[key]
    return entry.get(lang) or entry["en"]

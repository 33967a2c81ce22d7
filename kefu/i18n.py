"""Texts that kefu itself says to visitors, in every language the desk serves.

System notices are stored with their text in the visitor's language and, in the
message's ``extra``, as ``{"kind", "params"}`` (:func:`notice`), so that readers in
another language (the agent workspace) can say them in theirs.
"""

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
    "queue_place": {
        "zh": "您在排队中的位置：第 {position} 位，预计等待约 {minutes} 分钟。",
        "en": "You are number {position} in the queue; the expected wait is about "
              "{minutes} min.",
    },
    "offline_no_agents": {
        "zh": "现在没有客服在线。您可以留言（姓名、邮箱和问题），我们会尽快回复您。",
        "en": "No one is available right now. Leave a message with your name and email "
              "and we will answer you soon.",
    },
    "offline_after_hours": {
        "zh": "现在不在人工客服工作时间。您可以留言（姓名、邮箱和问题），我们上班后回复您。",
        "en": "We are outside business hours right now. Leave a message with your name and "
              "email and we will answer when we are back.",
    },
    "agent_joined": {
        "zh": "{name} 已加入对话。",
        "en": "{name} has joined the chat.",
    },
    "released": {
        "zh": "您现在又在和智能客服对话了。",
        "en": "You are chatting with the assistant again.",
    },
    "closed": {
        "zh": "对话已结束。请为本次服务打分（1-5）。",
        "en": "This chat was closed. How did we do? Rate us from 1 to 5.",
    },
    "idle_closed": {
        "zh": "{minutes} 分钟内双方都没有新消息，对话已自动结束。如还需帮助，请随时再发消息。"
              "请为本次服务打分（1-5）。",
        "en": "This chat was closed after {minutes} min without messages. Write again any "
              "time if you still need help. How did we do? Rate us from 1 to 5.",
    },
    "handoff_cancelled": {
        "zh": "已取消转人工，您现在又在和智能客服对话了。",
        "en": "You left the queue; you are chatting with the assistant again.",
    },
    # The bot's clarifying turns (kefu.services.policy), not system notices.
    "clarify_suggest": {
        "zh": "我不太确定您的意思。您是想问以下哪个问题？也可以换个说法，或转人工。",
        "en": "I'm not sure I understood. Did you mean one of these? You can also rephrase, "
              "or talk to a person.",
    },
    "clarify": {
        "zh": "抱歉，我没太明白。我可以帮您解答这些问题，也可以换个说法再问，或转人工：",
        "en": "Sorry, I didn't quite get that. I can help with questions like these; you can "
              "also rephrase, or talk to a person:",
    },
    "offtopic": {
        "zh": "抱歉，这超出了我能帮忙的范围。我可以解答订单、配送、退换货等购物问题，比如：",
        "en": "Sorry, that is outside what I can help with. I can answer questions about "
              "orders, shipping, returns and the like, for example:",
    },
    "small_talk": {
        "zh": "好的～还有其他问题随时问我。",
        "en": "Glad to help! Anything else, just ask.",
    },
}


NOTICE_KINDS = ("handoff", "bot_unavailable", "queue_place", "offline_no_agents",
                "offline_after_hours", "agent_joined", "released", "closed", "idle_closed",
                "handoff_cancelled")


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


def notice(kind, lang, **params):
    """A system notice: ``(text in lang, {"kind", "params"})`` for the message's ``extra``."""
    if kind not in NOTICE_KINDS:
        raise KeyError(f"{kind!r} is not a system notice")
    return text(kind, lang).format(**params), {"kind": kind, "params": params}

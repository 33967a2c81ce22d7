"""Every text of the studio pages in Chinese and English; the page language is picked per request.

``?lang=zh`` or ``?lang=en`` switches and is remembered in a cookie; otherwise
the browser's Accept-Language decides (:func:`kefu.i18n.language_from_accept`).
"""
from flask import request

from kefu import i18n

COOKIE = "kefu_lang"

TEXTS = {
    "studio": ("FAQ 工作室", "FAQ studio"),
    "intents": ("意图", "Intents"),
    "try_it": ("试一试", "Try it"),
    "new_intent": ("新建意图", "New intent"),
    "search": ("搜索 id、标题或例句", "Search ids, titles or examples"),
    "all_files": ("全部文件", "All files"),
    "filter": ("筛选", "Filter"),
    "sort": ("排序", "Sort"),
    "id": ("id", "id"),
    "file": ("文件", "File"),
    "title": ("标题", "Title"),
    "examples": ("例句", "Examples"),
    "hits": ("30 天命中", "Hits (30 days)"),
    "suggested": ("30 天推荐", "Suggested (30 days)"),
    "helpful": ("有帮助", "Helpful"),
    "helpful_none": ("暂无评价", "no votes yet"),
    "helpful_votes": ("过去 30 天 {n} 次评价中认为有帮助的比例", "share of {n} votes in the last 30 days that said helpful"),
    "f1": ("交叉验证 F1", "CV F1"),
    "f1_none": ("运行 bot eval 后显示", "run `bot eval` to see"),
    "handoff": ("直接转人工", "Hand off to a person"),
    "unreadable": ("以下文件无法读取，请运行 bot validate 查看问题：",
                   "These files cannot be read; run `bot validate` for their problems:"),
    "answers": ("回答", "Answers"),
    "answer_variant": ("回答（可写多个版本，空的会被忽略）",
                       "Answer (several variants allowed; empty ones are dropped)"),
    "preview": ("预览", "Preview"),
    "examples_help": ("每行一个例句，按访客的说法写；至少 5 个。",
                      "One example per line, the way visitors ask; at least 5."),
    "quick_replies": ("快捷回复（每行一个）", "Quick replies (one per line)"),
    "links": ("链接", "Links"),
    "link_url": ("网址（https://... 或 /路径）", "URL (https://... or /path)"),
    "check": ("检查并查看改动", "Check and show the diff"),
    "save": ("保存", "Save"),
    "saved": ("已保存到 {file}。重新训练后，例句的改动才会影响识别。",
              "Saved to {file}. Changed examples take effect after a retrain."),
    "no_change": ("没有改动。", "Nothing changed."),
    "checked_ok": ("检查通过，没有错误。确认改动后点“保存”。",
                   "No errors. Check the diff, then Save."),
    "problems": ("问题", "Problems"),
    "diff": ("改动", "Diff"),
    "delete": ("删除这个意图", "Delete this intent"),
    "delete_confirm": ("确认删除", "Yes, delete it"),
    "deleted": ("已从 {file} 删除 {id}。", "Deleted {id} from {file}."),
    "move": ("移动例句到另一个意图", "Move examples to another intent"),
    "move_to": ("移到", "Move to"),
    "move_do": ("移动所选例句", "Move the selected examples"),
    "moved": ("已移动 {n} 个例句到 {target}。", "Moved {n} example(s) to {target}."),
    "new_file": ("文件（已有的或新文件名，如 gifts.yaml）",
                 "File (an existing one, or a new name such as gifts.yaml)"),
    "create": ("创建", "Create"),
    "created": ("已在 {file} 创建 {id}。", "Created {id} in {file}."),
    "question": ("访客的问题", "A visitor's question"),
    "ask": ("问机器人", "Ask the bot"),
    "action": ("机器人会", "The bot would"),
    "action_answer": ("直接回答", "answer"),
    "action_suggest": ("给出“您是想问”选项", "suggest (\"did you mean\")"),
    "action_escalate": ("转人工", "hand off to a person"),
    "reason": ("原因", "reason"),
    "confidence": ("置信度", "confidence"),
    "top5": ("最可能的五个意图", "Top five intents"),
    "behind": ("意图文件的例句与当前模型不一致（或有错误）：识别结果来自当前模型，重新训练后才会更新。",
               "The intent files' examples differ from the live model's (or have errors): the "
               "ranking is the live model's until a retrain."),
    "line": ("第 {line} 行", "line {line}"),
    "logout": ("退出", "Log out"),
    "workspace": ("客服工作台", "Agent workspace"),
    "language": ("English", "中文"),
    "forbidden_title": ("没有权限", "Not allowed"),
    "forbidden": ("您的账号（{role}）不能打开这个页面。", "Your account ({role}) cannot open this page."),
    "forbidden_anonymous": ("请先登录。", "Please log in first."),
    "forbidden_home": ("回到您的首页", "Back to your home page"),
    "role_admin": ("管理员", "admin"),
    "role_agent": ("客服", "agent"),
    "role_editor": ("内容编辑", "editor"),
    "inbox": ("学习收件箱", "Learning inbox"),
    "inbox_help": ("过去 30 天机器人没能回答好的访客问题：它请访客说清楚、给出的“您是想问”访客没有选、"
                   "判断为超出范围、因把握不足转人工或建议留言，以及访客点了“没帮助”的回答；相近的问法归为一组。"
                   "把一组问题加到某个意图的例句里（或新建一个意图），重新训练后机器人就能回答；不相关的可以忽略，以后不再出现。",
                   "Visitor questions of the last 30 days the bot did not handle well: it asked to "
                   "clarify, offered \"did you mean\" and the visitor took none, declined them as "
                   "off-topic, handed off or offered the form for low confidence, or answered and "
                   "the visitor voted \"not helpful\"; similar ones grouped. Add a group to an "
                   "intent's examples (or start a new intent from it); after a retrain the bot "
                   "answers them. Dismiss what does not belong: it does not come back."),
    "kind_clarify": ("请访客说清楚", "asked to clarify"),
    "kind_suggest": ("“您是想问”未被选择", "\"did you mean\" not taken"),
    "kind_offtopic": ("判断为超出范围", "declined as off-topic"),
    "kind_handoff": ("把握不足转人工", "handed off, unsure"),
    "kind_not_helpful": ("回答被评“没帮助”", "answer voted not helpful"),
    "kind_agent": ("客服认为机器人本该回答", "sent by an agent"),
    "dismiss": ("忽略", "Dismiss"),
    "conversation": ("对话", "Conversation"),
    "conversation_help": ("访客看到的对话（不含客服备注和访客的联系方式）；标出的是进入收件箱的问题。",
                          "The conversation as the visitor saw it (no agents' notes, nothing of who "
                          "the visitor is); the marked lines are the ones in the inbox."),
    "in_conversation": ("看对话", "conversation"),
    "sender_visitor": ("访客", "Visitor"),
    "sender_bot": ("机器人", "Bot"),
    "sender_agent": ("客服", "Agent"),
    "sender_system": ("系统", "System"),
    "new_from_group": ("用这些问题新建意图", "New intent from these"),
    "pending": ("{n} 处例句改动等待重新训练。", "{n} example change(s) wait for a retrain."),
    "inbox_empty": ("收件箱是空的。", "The inbox is empty."),
    "asked": ("次", "asked"),
    "seen": ("首次 / 最近", "first / last seen"),
    "guesses": ("机器人的猜测", "The bot's guesses"),
    "assign_to": ("加为例句到", "Add as examples to"),
    "assign": ("加入", "Add"),
    "models": ("模型", "Models"),
    "retrain": ("重新训练", "Retrain"),
    "retrain_help": ("用现在的意图文件训练一个新模型（约半分钟，在后台进行），查看交叉验证结果后再发布；"
                     "发布后所有服务进程都会换用它。旧模型会保留，可一键回滚。",
                     "Train a new model from the intent files as they are now (about half a "
                     "minute, in the background), check its cross-validation, then publish it: "
                     "every server process switches to it. Earlier models are kept for a "
                     "one-click rollback."),
    "training_now": ("正在训练……", "Training…"),
    "version": ("版本", "Version"),
    "status": ("状态", "Status"),
    "trained_by": ("训练者 / 时间", "Trained by / when"),
    "scores": ("交叉验证", "Cross-validation"),
    "changes": ("与已发布模型相比", "Against the published model"),
    "publish": ("发布", "Publish"),
    "rollback": ("回滚到此版本", "Roll back to this one"),
    "confirm_worse": ("它在保留检查上更差，仍然发布", "It is worse on the held-back checks; publish anyway"),
    "served": ("正在使用", "serving"),
    "no_models": ("还没有从工作室训练过模型；现在使用的是 kefu train 训练的模型。",
                  "No model was trained in the studio yet; the server uses the one `kefu train` made."),
    "back": ("返回列表", "Back to the list"),
    "intent_count": ("{n} 个意图", "{n} intents"),
}


def page_language() -> str:
    """``zh`` or ``en`` for this request: ``?lang=``, then the cookie, then Accept-Language."""
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in i18n.LANGUAGES:
            return value
    return i18n.language_from_accept(request.headers.get("Accept-Language"))


def translator(lang):
    """``t(key, **params)`` in ``lang``."""
    index = 0 if lang == "zh" else 1

    def t(key, **params):
        text = TEXTS[key][index]
        return text.format(**params) if params else text

    return t

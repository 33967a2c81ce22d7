"""The words of the staff pages (login, password reset, admin), in Chinese and English.

A page speaks one language: ``?lang=`` (remembered in a cookie), else the cookie, else
the browser's ``Accept-Language``.  Templates call ``t("key", **params)``; a key that
is missing in one language is a bug a test finds (:func:`missing_keys`).
"""
from flask import g, request

from kefu.i18n import LANGUAGES, language_from_accept, pick_language

COOKIE = "kefu_lang"

TEXTS = {
    "zh": {
        "brand": "kefu 客服", "admin": "管理", "users": "用户", "settings": "设置",
        "audit": "操作日志", "workspace": "客服工作台", "logout": "退出",
        "reports": "报表", "switch_lang": "English", "save": "保存", "cancel": "取消",
        # login
        "login_title": "登录", "login_heading": "登录 kefu", "email": "邮箱", "password": "密码",
        "remember": "记住我", "login_button": "登录", "login_sub": "客服、编辑与管理员登录",
        "wrong_login": "邮箱或密码不正确。",
        "account_limited": "该账号登录失败次数过多，请几分钟后再试。",
        "address_limited": "此网络的登录尝试过多，请稍后再试。",
        "deactivated": "该账号已停用。", "forgot": "忘记密码？",
        "field_required": "请填写此项。", "field_too_long_n": "最多 {n} 个字符。",
        "invalid_email_field": "请输入有效的邮箱地址。",
        # reset
        "forgot_title": "重设密码", "forgot_intro": "输入你的邮箱，我们会发送一个设置新密码的链接。",
        "forgot_button": "发送链接", "forgot_sent": "如果该邮箱有账号，我们已发送设置新密码的链接，请查收邮件。",
        "forgot_no_mail": "此服务器未配置邮件发送，无法通过邮件重设密码。请联系管理员为你重设密码。",
        "reset_title": "设置新密码", "new_password": "新密码", "repeat_password": "再次输入新密码",
        "reset_button": "设置密码", "reset_done": "密码已设置，请用新密码登录。",
        "passwords_differ": "两次输入的密码不一致。", "back_to_login": "返回登录",
        "token_invalid": "此链接无效或已被使用。", "token_expired": "此链接已过期，请重新申请。",
        # users
        "users_title": "用户", "new_user": "新建用户", "name": "姓名", "role": "角色",
        "status": "状态", "active": "启用", "inactive": "已停用", "created": "创建时间",
        "edit": "编辑", "role_admin": "管理员", "role_agent": "客服", "role_editor": "编辑",
        "create": "创建", "create_user_title": "新建用户",
        "user_created": "已创建用户 {email}。",
        "one_time_title": "一次性密码", "one_time_intro": "请把此密码交给 {name}（{email}）。它只显示这一次；对方登录后应立即修改密码。",
        "one_time_no_mail": "未配置邮件发送，所以密码显示在这里，而不是通过邮件发送。",
        "invite_sent": "已向 {email} 发送设置密码的邮件。",
        "edit_user_title": "编辑用户：{name}", "profile": "资料", "set_role": "设置角色",
        "change_role": "修改角色", "account": "账号",
        "deactivate": "停用", "reactivate": "重新启用", "reset_password": "重设密码",
        "deactivate_help": "停用后该用户无法登录，所有登录和连接立即结束，其进行中的对话回到排队队列。",
        "reset_help_mail": "向该用户发送设置新密码的邮件链接；其所有登录立即结束。",
        "reset_help_no_mail": "未配置邮件发送：将生成一次性密码并只显示一次；其所有登录立即结束。",
        "deactivated_user": "已停用 {email}；结束了 {sessions} 个登录，{chats} 个对话回到队列。",
        "reactivated_user": "已重新启用 {email}。", "saved": "已保存。",
        "role_set": "{email} 的角色现在是{role}。", "reset_link_sent": "已向 {email} 发送重设密码链接。",
        "you": "（你）",
        # settings
        "settings_title": "设置", "widget_section": "聊天窗口", "welcome_message": "欢迎语",
        "welcome_help": "留空则使用默认欢迎语。", "suggested_questions": "推荐问题",
        "suggested_help": "每行一个，每种语言最多 6 个。", "lang_zh": "中文", "lang_en": "英文",
        "widget_origins": "允许嵌入的网站", "origins_help": "每行一个来源，例如 https://shop.example.com；留空则任何网站都可嵌入。",
        "csat_question": "满意度问题", "csat_help": "对话结束后显示在 1-5 星评分上方；留空使用默认问题。",
        "hours_section": "工作时间", "hours_always": "不勾选：全天候服务（不设工作时间）。",
        "hours_set": "仅在以下时间", "time_zone": "时区", "days": "工作日", "start": "开始",
        "end": "结束", "day_0": "周一", "day_1": "周二", "day_2": "周三", "day_3": "周四",
        "day_4": "周五", "day_5": "周六", "day_6": "周日",
        "assign_section": "分配", "auto_assign": "自动把排队的对话分配给在线客服",
        "max_chats": "每位客服同时最多对话数", "default_wait": "每个排队位置的预计等待（秒，尚无数据时）",
        "bot_section": "机器人与对话流程", "misses": "连续几次没听懂后转人工",
        "misses_help": "1：第一次没听懂就转人工；2（默认）：先请访客说清楚一次。",
        "suggest_min": "“您是想问”的最低置信度",
        "suggest_min_help": "最可能的意图达到这个置信度（0-1）时给出“您是想问”，否则列出可以解答的话题。",
        "offtopic": "超出范围的判定阈值",
        "offtopic_help": "机器人认为消息超出 FAQ 范围的概率（0-1）达到此值时，礼貌地说明无法解答，不转人工。",
        "answer_waiting": "排队期间机器人继续回答有把握的问题",
        "abandon_after": "排队访客离开多少秒后算放弃", "idle_close_after": "人工对话闲置多少秒后自动关闭",
        "sticky_agent": "多少秒内再次转人工时优先交回原客服", "seconds_off": "单位为秒；0 表示关闭。",
        "settings_saved": "设置已保存，所有服务器进程将在 {seconds} 秒内使用新设置。",
        "settings_errors": "有 {n} 项需要修改，设置未保存。", "whole_number": "请输入整数。",
        "mail_section": "邮件", "mail_on": "邮件发送已配置（{server}）：密码重设链接和留言回复会通过邮件发送。",
        "mail_off": "未配置邮件发送（KEFU_MAIL_SERVER）：不会发送任何邮件；重设密码使用一次性密码，留言回复只保存在系统中。",
        # audit
        "audit_title": "操作日志", "when": "时间", "who": "操作人", "action": "操作",
        "target": "对象", "old_value": "原值", "new_value": "新值", "filter": "筛选",
        "all": "全部", "from": "从", "to": "到", "no_entries": "没有符合条件的记录。",
        "older": "更早的记录", "a_user": "用户", "a_setting": "设置",
        "action_user.create": "创建用户", "action_user.update": "修改资料",
        "action_user.role": "修改角色", "action_user.deactivate": "停用用户",
        "action_user.reactivate": "重新启用", "action_user.password_reset": "重设密码",
        "action_setting.update": "修改设置",
        "a_intent": "意图", "a_inbox": "学习收件箱", "a_model": "模型",
        "action_intent.create": "新建意图", "action_intent.update": "修改意图",
        "action_intent.delete": "删除意图", "action_intent.move": "移动例句",
        "action_inbox.assign": "收件箱问题加为例句", "action_inbox.dismiss": "忽略收件箱问题",
        "action_model.train": "开始训练", "action_model.publish": "发布模型",
        # errors of the services
        "err_invalid_email": "邮箱地址看起来不正确。", "err_duplicate_email": "已有用户使用此邮箱。",
        "err_empty_field": "请填写此项。", "err_field_too_long": "内容太长。",
        "err_invalid_role": "角色只能是管理员、客服或编辑。",
        "err_weak_password": "密码需要 10 到 200 个字符。",
        "err_last_admin": "这是最后一位启用的管理员，请先设置另一位管理员。",
        "err_own_account": "不能对自己的账号做此操作；请在“密码”页修改自己的密码。",
        "err_mail_failed": "邮件服务器没有接收邮件，请稍后再试。", "err_not_found": "没有这个用户。",
        "forbidden_title": "无权访问", "forbidden_text": "你的角色不能打开此页面。",
        # reports
        "reports_title": "报表", "my_reports": "我的报表", "period": "日期", "show": "查看",
        "containment": "机器人解决率", "containment_help": "机器人回答过、且没有转人工的对话 / 机器人回答过的对话",
        "handoff_rate": "转人工率", "handoff_help": "转人工的对话 / 全部对话",
        "frt": "首次响应时间（转人工后）", "frt_help": "从转人工到客服第一条回复；中位数与 P90",
        "median": "中位数", "p90": "P90", "unanswered": "未回复", "csat_title": "满意度",
        "csat_average": "平均分", "response_rate": "评价率", "rated": "已评价", "closed": "已结束",
        "per_day": "每日对话数", "ratings": "评分分布", "by_reason": "转人工原因",
        "per_agent": "客服", "handled": "处理的对话", "conversations": "对话",
        "no_data": "无数据", "state": "状态", "agent": "客服", "reason": "原因",
        "rating": "评分", "open": "打开", "transcript": "对话记录", "back": "返回报表",
        "shown_of": "显示 {shown} / {total} 个对话", "seconds": "{n} 秒",
        "reason_low_confidence": "置信度低", "reason_handoff_intent": "要求转人工（意图）",
        "reason_visitor_request": "访客点击转人工", "reason_repeated_miss": "连续未能理解",
        "reason_bot_error": "机器人故障", "reason_unknown": "未知",
        "metric_all": "全部对话", "metric_bot_handled": "机器人回答过的对话",
        "metric_contained": "机器人解决的对话", "metric_handed_off": "转人工的对话",
        "metric_responded": "客服已回复的对话", "metric_rated": "已评价的对话",
        "metric_closed": "已结束的对话", "metric_day": "当日对话", "metric_rating": "评分",
        "metric_reason": "转人工原因",
        "sender_visitor": "访客", "sender_bot": "机器人", "sender_agent": "客服",
        "sender_system": "系统", "sender_note": "内部备注",
        "export_csv": "导出 CSV",
        "metric_unresolved": "转人工后未解决的对话",
        "hour_of_week": "每周各时段的对话（按星期和小时）",
        "hour_help": "按客服台时区的创建时间统计",
        "wd_0": "周一",
        "wd_1": "周二",
        "wd_2": "周三",
        "wd_3": "周四",
        "wd_4": "周五",
        "wd_5": "周六",
        "wd_6": "周日",
        "top_intents": "机器人最常回答的意图",
        "top_unanswered": "机器人未能回答的常见问题",
        "unanswered_help": "在学习收件箱中把它们加为意图的例句",
        "question": "问题",
        "times_asked": "次数",
        "metric_hour": "该时段的对话",
        "metric_intent": "机器人以该意图回答的对话",
        "metric_unanswered": "机器人未能回答该问题的对话",
        "helpful_title": "机器人回答有帮助的比例（按意图）",
        "helpful_help": "访客认为有帮助的回答 / 访客投票的回答",
        "intent": "意图",
        "answers": "回答",
        "votes": "投票",
        "helpful_ratio": "有帮助",
        "not_helpful": "没帮助",
        "metric_voted": "访客投票过的回答所在对话",
        "metric_unhelpful": "访客认为没帮助的回答所在对话",
        "resolution": "解决时长",
        "resolution_help": "从转人工到结束；中位数与 P90",
        "unresolved": "未解决",
        "assist_use": "机器人草稿使用",
        "assist_help": "客服回复时对机器人草稿的处理",
        "use_as_is": "直接发送",
        "use_edited": "修改后发送",
        "use_ignored": "未使用",
        "drafts": "条草稿",
        "metric_resolved": "已解决的转人工对话",
        "metric_assist": "机器人草稿",
        "abandonment": "放弃率",
        "abandonment_help": "排队时访客离开的对话 / 进入排队的对话",
        "time_to_abandon": "放弃前等待",
        "metric_queued": "进入排队的对话",
        "metric_abandoned": "排队时访客离开的对话",
    },
    "en": {
        "brand": "kefu", "admin": "Admin", "users": "Users", "settings": "Settings",
        "audit": "Audit log", "workspace": "Workspace", "logout": "Log out",
        "reports": "Reports", "switch_lang": "中文", "save": "Save", "cancel": "Cancel",
        "login_title": "Log in", "login_heading": "Log in to kefu", "email": "Email",
        "password": "Password", "remember": "Remember me", "login_button": "Log in",
        "login_sub": "For agents, editors and admins",
        "wrong_login": "Wrong email or password.",
        "account_limited": "Too many failed logins for this account; try again in a few minutes.",
        "address_limited": "Too many login attempts from this network; try again in a minute.",
        "deactivated": "This account is deactivated.", "forgot": "Forgot your password?",
        "field_required": "This field is required.", "field_too_long_n": "At most {n} characters.",
        "invalid_email_field": "Enter a valid email address.",
        "forgot_title": "Reset your password",
        "forgot_intro": "Enter your email and we will send you a link to set a new password.",
        "forgot_button": "Send the link",
        "forgot_sent": "If an account has this email, a link to set a new password is on its way.",
        "forgot_no_mail": "This server sends no email, so a password cannot be reset by email. "
                          "Ask an admin to reset it for you.",
        "reset_title": "Set a new password", "new_password": "New password",
        "repeat_password": "New password again", "reset_button": "Set the password",
        "reset_done": "Your password is set; log in with it.",
        "passwords_differ": "The two passwords differ.", "back_to_login": "Back to log in",
        "token_invalid": "This link is not valid or has been used.",
        "token_expired": "This link has expired; ask for a new one.",
        "users_title": "Users", "new_user": "New user", "name": "Name", "role": "Role",
        "status": "Status", "active": "Active", "inactive": "Deactivated", "created": "Created",
        "edit": "Edit", "role_admin": "Admin", "role_agent": "Agent", "role_editor": "Editor",
        "create": "Create", "create_user_title": "New user",
        "user_created": "Created the user {email}.",
        "one_time_title": "One-time password",
        "one_time_intro": "Give this password to {name} ({email}). It is shown only now; "
                          "they should change it when they first log in.",
        "one_time_no_mail": "No mail server is configured, so the password is shown here "
                            "instead of being emailed.",
        "invite_sent": "An email to set a password went to {email}.",
        "edit_user_title": "Edit user: {name}", "profile": "Profile", "set_role": "Role",
        "change_role": "Change role", "account": "Account",
        "deactivate": "Deactivate", "reactivate": "Reactivate", "reset_password": "Reset password",
        "deactivate_help": "A deactivated user cannot log in; every login and connection of "
                           "theirs ends at once and their open chats go back to the queue.",
        "reset_help_mail": "Emails the user a link to set a new password; every login of "
                           "theirs ends at once.",
        "reset_help_no_mail": "No mail is configured: a one-time password is made and shown "
                              "once; every login of theirs ends at once.",
        "deactivated_user": "Deactivated {email}; {sessions} login(s) ended, {chats} chat(s) "
                            "went back to the queue.",
        "reactivated_user": "Reactivated {email}.", "saved": "Saved.",
        "role_set": "{email} is now {role}.", "reset_link_sent": "A reset link went to {email}.",
        "you": "(you)",
        "settings_title": "Settings", "widget_section": "Chat widget",
        "welcome_message": "Welcome message", "welcome_help": "Leave empty for kefu's own.",
        "suggested_questions": "Suggested questions",
        "suggested_help": "One per line, at most 6 per language.",
        "lang_zh": "Chinese", "lang_en": "English", "widget_origins": "Sites that may embed the widget",
        "origins_help": "One origin per line, e.g. https://shop.example.com; empty: any site.",
        "csat_question": "Satisfaction question",
        "csat_help": "Shown above the 1-5 stars when a chat ends; empty: the widget's own.",
        "hours_section": "Business hours", "hours_always": "Unchecked: always open (no business hours).",
        "hours_set": "Only at these times", "time_zone": "Time zone", "days": "Days",
        "start": "Opens", "end": "Closes", "day_0": "Mon", "day_1": "Tue", "day_2": "Wed",
        "day_3": "Thu", "day_4": "Fri", "day_5": "Sat", "day_6": "Sun",
        "assign_section": "Assignment", "auto_assign": "Assign waiting chats to online agents automatically",
        "max_chats": "Chats one agent holds at most", "default_wait": "Expected wait per place in the queue (seconds, before there is data)",
        "bot_section": "The bot and the conversation flow",
        "misses": "Unclear messages in a row before a handoff",
        "misses_help": "1: hand off at the first unclear message; 2 (default): ask the visitor to clarify once first.",
        "suggest_min": "Lowest confidence for \"did you mean\"",
        "suggest_min_help": "From this confidence (0-1) of the likeliest intent the bot offers \"did you mean\"; below it, the topics it can help with.",
        "offtopic": "Off-topic threshold",
        "offtopic_help": "From this probability (0-1) that a message is outside the FAQ, the bot says politely that it cannot help, and does not hand off.",
        "answer_waiting": "While visitors wait in the queue, the bot answers what it is sure of",
        "abandon_after": "Seconds a waiting visitor may be gone before the chat counts as abandoned",
        "idle_close_after": "Seconds an agent chat may be idle before it is closed",
        "sticky_agent": "Seconds within which a new handoff goes back to the same agent",
        "seconds_off": "In seconds; 0 turns it off.",
        "settings_saved": "Settings saved; every server process uses them within {seconds} s.",
        "settings_errors": "{n} field(s) need changes; nothing was saved.",
        "whole_number": "Enter a whole number.",
        "mail_section": "Mail", "mail_on": "Mail is configured ({server}): password reset links "
                                           "and answers to left messages are emailed.",
        "mail_off": "No mail is configured (KEFU_MAIL_SERVER): kefu sends no email; password "
                    "resets use one-time passwords and answers to left messages stay in kefu.",
        "audit_title": "Audit log", "when": "When", "who": "Who", "action": "Action",
        "target": "Target", "old_value": "Old value", "new_value": "New value",
        "filter": "Filter", "all": "All", "from": "From", "to": "To",
        "no_entries": "No entries match.", "older": "Older entries", "a_user": "user",
        "a_setting": "setting",
        "action_user.create": "Created user", "action_user.update": "Edited profile",
        "action_user.role": "Changed role", "action_user.deactivate": "Deactivated user",
        "action_user.reactivate": "Reactivated user", "action_user.password_reset": "Reset password",
        "action_setting.update": "Changed setting",
        "a_intent": "intent", "a_inbox": "learning inbox", "a_model": "model",
        "action_intent.create": "Created intent", "action_intent.update": "Edited intent",
        "action_intent.delete": "Deleted intent", "action_intent.move": "Moved examples",
        "action_inbox.assign": "Added inbox questions as examples",
        "action_inbox.dismiss": "Dismissed inbox questions",
        "action_model.train": "Started a training", "action_model.publish": "Published a model",
        "err_invalid_email": "That does not look like an email address.",
        "err_duplicate_email": "Another user has this email.",
        "err_empty_field": "This field is required.", "err_field_too_long": "This is too long.",
        "err_invalid_role": "The role is admin, agent or editor.",
        "err_weak_password": "A password needs 10 to 200 characters.",
        "err_last_admin": "This is the last active admin; make someone else admin first.",
        "err_own_account": "Not on your own account; change your own password on the Password page.",
        "err_mail_failed": "The mail server did not take the message; try again later.",
        "err_not_found": "There is no such user.",
        "forbidden_title": "Not allowed", "forbidden_text": "Your role may not open this page.",
        "reports_title": "Reports", "my_reports": "My reports", "period": "Dates", "show": "Show",
        "containment": "Bot containment", "containment_help": "Conversations the bot answered in that never went to a person / conversations the bot answered in",
        "handoff_rate": "Handoff rate", "handoff_help": "Conversations handed to a person / all conversations",
        "frt": "First response after handoff", "frt_help": "From the handoff to the first reply of a person; median and p90",
        "median": "median", "p90": "p90", "unanswered": "unanswered", "csat_title": "CSAT",
        "csat_average": "average", "response_rate": "rated", "rated": "rated", "closed": "closed",
        "per_day": "Conversations per day", "ratings": "Ratings", "by_reason": "Handoffs by reason",
        "per_agent": "Agents", "handled": "chats handled", "conversations": "conversations",
        "no_data": "no data", "state": "State", "agent": "Agent", "reason": "Reason",
        "rating": "Rating", "open": "Open", "transcript": "Transcript", "back": "Back to the reports",
        "shown_of": "{shown} of {total} conversations shown", "seconds": "{n} s",
        "reason_low_confidence": "Low confidence", "reason_handoff_intent": "Asked for a person",
        "reason_visitor_request": "Pressed \"talk to a person\"", "reason_repeated_miss": "Not understood twice",
        "reason_bot_error": "Bot failure", "reason_unknown": "Unknown",
        "metric_all": "All conversations", "metric_bot_handled": "Conversations the bot answered in",
        "metric_contained": "Conversations the bot resolved", "metric_handed_off": "Conversations handed off",
        "metric_responded": "Conversations a person answered", "metric_rated": "Rated conversations",
        "metric_closed": "Closed conversations", "metric_day": "Conversations of the day",
        "metric_rating": "Rating", "metric_reason": "Handoff reason",
        "sender_visitor": "Visitor", "sender_bot": "Bot", "sender_agent": "Agent",
        "sender_system": "System", "sender_note": "Private note",
        "export_csv": "Export CSV",
        "metric_unresolved": "Handed-off conversations not resolved",
        "hour_of_week": "Conversations by hour of the week",
        "hour_help": "By the hour they were opened, in the desk's time zone",
        "wd_0": "Mon",
        "wd_1": "Tue",
        "wd_2": "Wed",
        "wd_3": "Thu",
        "wd_4": "Fri",
        "wd_5": "Sat",
        "wd_6": "Sun",
        "top_intents": "Top intents answered",
        "top_unanswered": "Top unanswered questions",
        "unanswered_help": "Teach them to the bot in the learning inbox",
        "question": "Question",
        "times_asked": "times",
        "metric_hour": "Conversations of the hour",
        "metric_intent": "Conversations the bot answered with this intent",
        "metric_unanswered": "Conversations where the bot missed this question",
        "helpful_title": "Helpful bot answers, per intent",
        "helpful_help": "Answers visitors found helpful / answers visitors voted on",
        "intent": "Intent",
        "answers": "answers",
        "votes": "votes",
        "helpful_ratio": "helpful",
        "not_helpful": "not helpful",
        "metric_voted": "Conversations with a vote on this answer",
        "metric_unhelpful": "Conversations where this answer did not help",
        "resolution": "Resolution time",
        "resolution_help": "From the handoff to the close; median and p90",
        "unresolved": "unresolved",
        "assist_use": "Agent assist use",
        "assist_help": "What agents did with the bot's drafts when they replied",
        "use_as_is": "sent as is",
        "use_edited": "edited",
        "use_ignored": "ignored",
        "drafts": "drafts",
        "metric_resolved": "Handed-off conversations closed",
        "metric_assist": "Bot's drafts",
        "abandonment": "Abandonment",
        "abandonment_help": "Chats the visitor left while waiting / chats that went to the queue",
        "time_to_abandon": "Time to abandon",
        "metric_queued": "Conversations that went to the queue",
        "metric_abandoned": "Conversations the visitor left in the queue",
    },
}


def page_language() -> str:
    """The language of this page: ``?lang=``, the cookie, then Accept-Language."""
    lang = getattr(g, "page_lang", None)
    if lang:
        return lang
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        lang = asked
    else:
        lang = pick_language(request.cookies.get(COOKIE), default=None) \
            or language_from_accept(request.headers.get("Accept-Language"))
    g.page_lang = lang
    return lang


def t(key: str, **params) -> str:
    """The text ``key`` in this page's language, with ``params`` filled in."""
    text = TEXTS[page_language()].get(key) or TEXTS["en"][key]
    return text.format(**params) if params else text


class lazy_t:
    """A text said when shown, in the page's language then (for WTForms validator messages)."""

    def __init__(self, key, **params):
        self.key, self.params = key, params

    def __str__(self):
        return t(self.key, **self.params)

    def __mod__(self, _values):  # WTForms fills in %(max)d and the like; ours has it already
        return str(self)

    def __html__(self):
        from markupsafe import escape

        return str(escape(str(self)))


def error_text(error) -> str:
    """A ServiceError said in this page's language (its English message if unknown)."""
    say = getattr(error, "say", None)
    if say is not None:
        return say(page_language())
    key = f"err_{error.code}"
    return t(key) if key in TEXTS["en"] else error.message


def remember_language(response):
    """After a ``?lang=`` request, keep the choice in a cookie for the next pages."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response


def other_language() -> str:
    """The language the switch link offers."""
    return "en" if page_language() == "zh" else "zh"


def missing_keys() -> dict:
    """Keys present in one language and not the other (a test keeps this empty)."""
    zh, en = set(TEXTS["zh"]), set(TEXTS["en"])
    return {"zh": sorted(en - zh), "en": sorted(zh - en)}


def init_app(app):
    """Make ``t`` and the language helpers available to every template."""
    app.jinja_env.globals.update(t=t, page_language=page_language,
                                 other_language=other_language)
    app.after_request(remember_language)

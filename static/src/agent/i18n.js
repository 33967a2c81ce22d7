// Workspace texts in both languages the desk serves; the agent's browser language
// picks one, the switch in the top bar overrides it (remembered in localStorage).
import { fill, pickLanguage } from "../shared/text.js";
import { local } from "../shared/storage.js";

const KEY = "kefu.agent.lang";

export const TEXTS = {
  zh: {
    workspace: "客服工作台", chats: "会话", tickets: "留言", search: "搜索", canned: "快捷回复",
    online: "在线", away: "离开", offline: "离线", team: "团队", logout: "退出", queue: "排队中", mine: "我的会话",
    pickChat: "从左侧选择一个会话", reply: "回复", note: "内部备注", send: "发送",
    cannedHint: "输入 / 插入快捷回复", claim: "接入", transfer: "转接", release: "交还机器人",
    close: "结束会话", transferTitle: "转接会话", transferTo: "转给", transferNote: "备注（仅客服可见）",
    cancel: "取消", connected: "已连接", disconnected: "连接断开，正在重连…",
    soundOn: "声音提醒：开", soundOff: "声音提醒：关", langSwitch: "English",
    visitor: "访客", bot: "机器人", agentRole: "客服", system: "系统", noteLabel: "内部备注",
    waiting: "等待中", agentState: "人工服务中", botState: "机器人", closed: "已结束", abandoned: "访客已离开",
    waited: "已等待 {t}", assignedTo: "客服：{name}", unassigned: "未分配",
    handoffReason: "转人工原因", guesses: "机器人的猜测", noGuesses: "（无）",
    reason_visitor_request: "访客要求人工", reason_low_confidence: "机器人没有把握",
    reason_bot_error: "机器人出错", reason_repeated_suggestions: "多次“您是想问”仍未解决",
    reason_keyword: "访客要求人工", reason_handoff_intent: "访客说要转人工", reason_repeated_miss: "连续两次“您是想问”未解决",
    claimToReply: "接入后才能回复或备注",  reason_negative_sentiment: "访客情绪不满",
    details: "访客信息", visitorEmail: "邮箱", verified: "已验证的客户", firstSeen: "首次访问", locale: "语言", browser: "浏览器", pages: "浏览页面",
    earlier: "历史会话", none: "无", notes: "内部备注", typing: "{name} 正在输入…",
    intent: "意图", confidence: "置信度", empty: "暂无", readByVisitor: "访客已读",
    searchPlaceholder: "搜索历史会话中的消息…", searchButton: "搜索", noResults: "没有找到匹配的会话",
    ticketsEmpty: "暂无留言", ticketReply: "回复并关闭", ticketReplyNoMail: "记录回复并关闭",
    ticketsNoMail: "未配置邮件发送：回复只保存在系统中，不会发给访客。请通过其他方式联系访客。",
    ticketEmailed: "已通过邮件发送", ticketNotEmailed: "未发送邮件", ticketAnswered: "已回复", ticketOpen: "待回复",
    cannedShortcut: "快捷词", cannedText: "内容", add: "添加", save: "保存", delete: "删除", edit: "编辑",
    cannedVars: "可用变量：{visitor_name}、{agent_name}、{conversation_id}", cannedReadOnly: "只有管理员可以编辑快捷回复。",
    newWaiting: "新的排队会话", errorPrefix: "出错了：", open: "查看", secondsShort: "{n} 秒",
    minutesShort: "{n} 分钟", hoursShort: "{n} 小时", rating: "评分",
    loadFailed: "加载失败", claimedByOther: "该会话已被其他客服接入",
    botChats: "机器人接待中", takeover: "接管", botConfidence: "机器人最近一次的置信度",
    botDraft: "机器人草稿", insertDraft: "插入回复框", draftUse_as_is: "已原样发送",
    draftUse_edited: "已修改后发送", draftUse_ignored: "未采用", reason_agent_takeover: "客服主动接管",
    toInbox: "机器人本该回答这个", toInboxHelp: "把这句话送到学习收件箱，由内容编辑加进 FAQ", inInbox: "已送到学习收件箱",
    // System notices (docs/protocol.md: "notice"), as kefu/i18n.py words them for visitors.
    notice_handoff: "正在为您转接人工客服，请稍候，您不用重复问题。",
    notice_bot_unavailable: "抱歉，机器人暂时无法回答，正在为您转接人工客服。",
    notice_queue_place: "您在排队中的位置：第 {position} 位，预计等待约 {minutes} 分钟。",
    notice_offline_no_agents: "现在没有客服在线。您可以留言（姓名、邮箱和问题），我们会尽快回复您。",
    notice_offline_after_hours: "现在不在人工客服工作时间。您可以留言（姓名、邮箱和问题），我们上班后回复您。",
    notice_agent_joined: "{name} 已加入对话。",
    notice_released: "您现在又在和智能客服对话了。",
    notice_closed: "对话已结束。请为本次服务打分（1-5）。",
    notice_idle_closed: "{minutes} 分钟内双方都没有新消息，对话已自动结束。如还需帮助，请随时再发消息。请为本次服务打分（1-5）。",
    notice_handoff_cancelled: "已取消转人工，您现在又在和智能客服对话了。",
    reason_angry: "访客情绪激动", whileWaiting: "排队期间机器人回答",
  },
  en: {
    workspace: "Agent workspace", chats: "Chats", tickets: "Messages", search: "Search", canned: "Canned replies",
    online: "Online", away: "Away", offline: "Offline", team: "Team", logout: "Log out", queue: "Queue", mine: "My chats",
    pickChat: "Pick a conversation on the left", reply: "Reply", note: "Private note", send: "Send",
    cannedHint: "Type / for canned replies", claim: "Claim", transfer: "Transfer", release: "Back to bot",
    close: "Close", transferTitle: "Transfer conversation", transferTo: "To", transferNote: "Note (agents only)",
    cancel: "Cancel", connected: "Connected", disconnected: "Connection lost, reconnecting…",
    soundOn: "Sound: on", soundOff: "Sound: off", langSwitch: "中文",
    visitor: "Visitor", bot: "Bot", agentRole: "Agent", system: "System", noteLabel: "Private note",
    waiting: "Waiting", agentState: "With an agent", botState: "Bot", closed: "Closed", abandoned: "Visitor left",
    waited: "waiting {t}", assignedTo: "Agent: {name}", unassigned: "Unassigned",
    handoffReason: "Handoff reason", guesses: "The bot's guesses", noGuesses: "(none)",
    reason_visitor_request: "Visitor asked for a person", reason_low_confidence: "Bot was not confident",
    reason_bot_error: "Bot error", reason_repeated_suggestions: "Repeated \"did you mean\" without success",
    reason_keyword: "Visitor asked for a person", reason_handoff_intent: "Visitor asked for a person (\"human\")",
    reason_repeated_miss: "Two \"did you mean\" prompts in a row", claimToReply: "Claim the chat to reply or add notes", reason_negative_sentiment: "Visitor seems unhappy",
    details: "Visitor", visitorEmail: "Email", verified: "Verified customer", firstSeen: "First seen", locale: "Language", browser: "Browser", pages: "Pages",
    earlier: "Earlier conversations", none: "None", notes: "Private notes", typing: "{name} is typing…",
    intent: "intent", confidence: "confidence", empty: "Nothing yet", readByVisitor: "Read by visitor",
    searchPlaceholder: "Search messages in past conversations…", searchButton: "Search",
    noResults: "No conversation matches",
    ticketsEmpty: "No messages left", ticketReply: "Reply and close", ticketReplyNoMail: "Record the answer and close",
    ticketsNoMail: "No mail is configured: an answer is stored here and does not reach the visitor. Contact them another way.",
    ticketEmailed: "emailed", ticketNotEmailed: "not emailed", ticketAnswered: "Answered", ticketOpen: "Open",
    cannedShortcut: "Shortcut", cannedText: "Text", add: "Add", save: "Save", delete: "Delete", edit: "Edit",
    cannedVars: "Variables: {visitor_name}, {agent_name}, {conversation_id}", cannedReadOnly: "Only admins can edit canned replies.",
    newWaiting: "New waiting chat", errorPrefix: "Error: ", open: "Open", secondsShort: "{n}s",
    minutesShort: "{n} min", hoursShort: "{n} h", rating: "Rating",
    loadFailed: "Could not load", claimedByOther: "Another agent claimed this conversation",
    botChats: "With the bot", takeover: "Take over", botConfidence: "The bot's last confidence",
    botDraft: "Bot's draft", insertDraft: "Insert", draftUse_as_is: "Sent as is",
    draftUse_edited: "Sent edited", draftUse_ignored: "Not used", reason_agent_takeover: "Taken over by an agent",
    toInbox: "The bot should have answered this", toInboxHelp: "Send this line to the learning inbox, for the editors to add to the FAQ", inInbox: "In the learning inbox",
    notice_handoff: "Connecting you to a person. Please hold on; you won't need to repeat yourself.",
    notice_bot_unavailable: "Sorry, I can't answer right now; connecting you to a person.",
    notice_queue_place: "You are number {position} in the queue; the expected wait is about {minutes} min.",
    notice_offline_no_agents: "No one is available right now. Leave a message with your name and email and we will answer you soon.",
    notice_offline_after_hours: "We are outside business hours right now. Leave a message with your name and email and we will answer when we are back.",
    notice_agent_joined: "{name} has joined the chat.",
    notice_released: "You are chatting with the assistant again.",
    notice_closed: "This chat was closed. How did we do? Rate us from 1 to 5.",
    notice_idle_closed: "This chat was closed after {minutes} min without messages. Write again any time if you still need help. How did we do? Rate us from 1 to 5.",
    notice_handoff_cancelled: "You left the queue; you are chatting with the assistant again.",
    reason_angry: "Visitor is angry", whileWaiting: "answered by the bot while waiting",
  },
};

let lang = pickLanguage(local.get(KEY) || document.getElementById("workspace")?.dataset.lang || navigator.language);

export function currentLang() {
  return lang;
}

export function setLang(value) {
  lang = pickLanguage(value);
  local.set(KEY, lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

/** The text ``key`` in the current language, with ``{name}`` placeholders filled in. */
export function t(key, vars) {
  return fill(TEXTS[lang][key] ?? TEXTS.en[key] ?? key, vars);
}

/** Fill every ``data-i18n`` element under ``root`` (the static parts of the page). */
export function translateStatic(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
}

/** A handoff reason in words; an unknown reason code is shown as it is. */
export function reasonText(reason) {
  const key = "reason_" + reason;
  return TEXTS[lang][key] || TEXTS.en[key] || String(reason);
}

/** A system message in the agent's language from its ``notice``; the stored text otherwise. */
export function noticeText(m) {
  const kind = m && m.notice && m.notice.kind;
  const key = "notice_" + kind;
  if (!kind || !(TEXTS[lang][key] || TEXTS.en[key])) return (m && m.text) || "";
  return t(key, m.notice.params || {});
}

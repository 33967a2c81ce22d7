// UI texts of the widget in every language the desk serves.
export const TEXTS = {
  zh: {
    title: "在线客服",
    subtitle: "机器人即时回答，随时可转人工",
    placeholder: "输入您的问题…",
    send: "发送",
    open: "打开客服聊天",
    close: "收起",
    connecting: "正在连接…",
    offline: "连接已断开，正在重连…",
    didYouMean: "您是想问：",
    failed: "发送失败，点击重试",
    you: "我",
    bot: "机器人",
    agent: "客服",
  },
  en: {
    title: "Support",
    subtitle: "Instant answers, and a person when you need one",
    placeholder: "Type your question…",
    send: "Send",
    open: "Open support chat",
    close: "Minimise",
    connecting: "Connecting…",
    offline: "Connection lost, reconnecting…",
    didYouMean: "Did you mean:",
    failed: "Not sent, tap to retry",
    you: "You",
    bot: "Bot",
    agent: "Agent",
  },
};

export function pickLanguage(value) {
  return String(value || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

// Read ticks, both ways: the marks on the visitor's own messages ("✓" once stored,
// "✓✓ Read" once the agent has read them), and which agent message the visitor has seen.
// The marks are data attributes drawn by CSS, so they never become message text.

/** Mark one visitor message as sent or read, given the agent has read up to ``readUpTo``. */
export function setReceipt(T, node, id, readUpTo) {
  const read = id <= readUpTo;
  node.dataset.receipt = read ? "read" : "sent";
  node.dataset.receiptLabel = read ? "✓✓ " + T.read : "✓";
  node.title = read ? T.read : T.sent;
}

/** Turn "sent" into "read" on every visitor message up to ``readUpTo``. */
export function markReadUpTo(T, nodes, readUpTo) {
  for (const node of nodes) {
    const id = Number(node.dataset.id);
    if (node.dataset.sender !== "visitor" || !id || id > readUpTo) continue;
    if (node.dataset.receipt !== "read") setReceipt(T, node, id, readUpTo);
  }
}

/** The id of the newest agent message among ``nodes`` (0 if none), which the visitor now sees. */
export function latestAgentMessageId(nodes) {
  let latest = 0;
  for (const node of nodes) {
    if (node.dataset.sender === "agent") latest = Math.max(latest, Number(node.dataset.id) || 0);
  }
  return latest;
}

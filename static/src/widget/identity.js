// The host site's signed-in customer (docs/widget.md, "Identity"): the script tag's
// data-user-id, data-user-name, data-user-email and data-user-hash (the HMAC the site's
// server computed). Sent as the ``user`` auth field; kefu trusts it only if the hash
// is valid, and the widget never computes or checks a hash itself.

/** ``{id, hash, name?, email?}`` from the script's data attributes, or undefined. */
export function hostUser(script) {
  const d = script && script.dataset;
  if (!d || !d.userId) return undefined;
  const user = { id: d.userId, hash: d.userHash || "" };
  if (d.userName) user.name = d.userName;
  if (d.userEmail) user.email = d.userEmail;
  return user;
}

// Refusals of the identity: the chat goes on anonymously, and the site's developer
// is told why in the console.
export const IDENTITY_REFUSALS = ["invalid_identity", "identity_not_configured"];

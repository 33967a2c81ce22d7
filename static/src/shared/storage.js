// Browser storage that never throws: private modes, blocked third-party storage and
// full quotas make localStorage raise, and neither the widget nor the workspace may
// break over a preference.

/** ``fn()``, or ``fallback`` when it throws. */
export function safe(fn, fallback) {
  try { return fn(); } catch (e) { return fallback; }
}

/** localStorage behind the guard: ``get`` gives null when it cannot read. */
export const local = {
  get: (key) => safe(() => localStorage.getItem(key), null),
  set: (key, value) => safe(() => localStorage.setItem(key, value)),
  remove: (key) => safe(() => localStorage.removeItem(key)),
};

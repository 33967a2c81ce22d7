// /widget.js: the one script a site embeds. It stays tiny and is cached briefly, so a
// new release reaches every site within minutes, while the bundle it loads has a
// content hash in its name and is cached for a year. The bundle reads the same
// data-* settings (server, locale) from the script element this loader adds.
(function () {
  var me = document.currentScript;
  if (!me || document.querySelector("script[data-kefu-bundle]")) return;
  var bundle = document.createElement("script");
  for (var key in me.dataset) bundle.dataset[key] = me.dataset[key];
  if (!bundle.dataset.server) bundle.dataset.server = new URL(me.src).origin;
  bundle.dataset.kefuBundle = "";
  bundle.src = new URL("widget/__BUNDLE__", me.src).href;
  bundle.async = true;
  (document.head || document.documentElement).appendChild(bundle);
})();

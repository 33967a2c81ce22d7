// Bundles each entry point with its npm dependencies into static/dist/, so a page
// loads one script from this server and nothing from a CDN at run time.
import { build } from "esbuild";

const entries = {
  "kefu-widget": "static/src/widget/index.js",
  "kefu-agent": "static/src/agent/index.js",
};

for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "iife",
    target: ["es2019"],
    outfile: `static/dist/${name}.js`,
    logLevel: "info",
  });
}

// Bundles each entry point with its npm dependencies into static/dist/, so a page
// loads scripts from this server and nothing from a CDN at run time.
//
// The widget is built for caching: its bundle gets a content hash in its name
// (kefu-widget.<hash>.js, cached for a year, immutable) and is written pre-compressed
// beside it (.gz and .br, by Node's own zlib); /widget.js, the one URL a site embeds,
// is a tiny loader with a short cache life that names the current bundle
// (static/dist/widget-loader.js, from static/src/loader.js). manifest.json says which
// file is current, for the server.
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const OUT = "static/dist";
mkdirSync(OUT, { recursive: true });
const common = { bundle: true, minify: true, sourcemap: true, format: "iife", target: ["es2019"], logLevel: "info" };

await build({ ...common, entryPoints: ["static/src/agent/index.js"], outfile: `${OUT}/kefu-agent.js` });
await build({ ...common, entryPoints: ["static/src/reports/index.js"], outfile: `${OUT}/kefu-reports.js` });
await build({ ...common, entryPoints: ["static/src/studio/index.js"], outfile: `${OUT}/kefu-studio.js` });

// Old hashed widget bundles go; a page still running one keeps it from its cache.
for (const name of readdirSync(OUT)) {
  if (/^kefu-widget(\.[A-Z0-9]+)?\.js(\.map|\.gz|\.br)?$/.test(name)) rmSync(`${OUT}/${name}`);
}
const result = await build({
  ...common,
  entryPoints: { "kefu-widget": "static/src/widget/index.js" },
  entryNames: "[name].[hash]",
  outdir: OUT,
  metafile: true,
});
const bundle = Object.keys(result.metafile.outputs).find((p) => p.endsWith(".js"));
const name = basename(bundle);
const raw = readFileSync(bundle);
writeFileSync(`${bundle}.gz`, gzipSync(raw, { level: 9 }));
writeFileSync(`${bundle}.br`, brotliCompressSync(raw, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
}));

const loader = readFileSync("static/src/loader.js", "utf8").replace("__BUNDLE__", name);
const minified = await build({ stdin: { contents: loader }, minify: true, write: false, target: ["es2019"] });
writeFileSync(`${OUT}/widget-loader.js`, minified.outputFiles[0].text);
writeFileSync(`${OUT}/manifest.json`, JSON.stringify({ "kefu-widget": name }, null, 2) + "\n");
console.log(`widget bundle: ${name} (${raw.length} B, gzip and brotli beside it)`);

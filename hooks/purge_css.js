// Remove the CSS rules no page of the built site can use (hooks/slim.py).
// Usage: node purge_css.js <site dir> <css file>...   (rewrites each css file in place)
// Kept: every selector whose class names, ids, tags and attributes occur in the site's HTML
// (read as HTML, so words of prose do not count) or as words of Material's JavaScript bundle
// (which adds classes at run time).
const fs = require("fs");
const path = require("path");
const { PurgeCSS } = require("purgecss");
const purgeHtml = require("purgecss-from-html");

const [site, ...stylesheets] = process.argv.slice(2);

function files(dir, suffix) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

(async () => {
  const content = [...files(site, ".html"), ...files(path.join(site, "assets"), ".js")];
  const results = await new PurgeCSS().purge({
    content,
    css: stylesheets,
    extractors: [{ extractor: purgeHtml, extensions: ["html"] }],
    keyframes: true,
    variables: false,
    fontFace: false, // KaTeX names its fonts in `font:` shorthands, which PurgeCSS does not read
    safelist: { standard: [/^js$/, /^no-js$/] },
  });
  for (const { file, css } of results) {
    fs.writeFileSync(file, css.replace(/\/\*# sourceMappingURL=.*?\*\/\s*$/, ""));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Remove the CSS rules no page of the built site can use (hooks/slim.py).
// Usage: node purge_css.js <site dir> <css file>...   (rewrites each css file in place)
// Kept: every selector whose class names, ids, tags and attributes occur in the site's HTML
// (read as HTML, so words of prose do not count), and the classes that Material's JavaScript
// adds at run time for the features this site uses (DYNAMIC). Material's bundle also names
// classes of features we leave off (versions, tags, repository facts, content tabs): reading
// the bundle itself would keep all of those.
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

// Classes Material 9.8's bundle adds at run time, for the features enabled in mkdocs.yml:
// code copy and annotations, tooltips, the copy dialog, header and navigation states,
// search results, scroll-wrapped tables, keyboard focus rings.
const DYNAMIC = [
  /^md-annotation/, /^md-code__/, /^md-tooltip/, /^md-dialog/, /^md-header--shadow$/,
  /^md-header__title--active$/, /^md-nav__link--(active|passed)$/, /^md-search-result/,
  /^md-typeset__(scrollwrap|table)$/, /focus-visible/, /^md-toggle--indeterminate$/,
];

(async () => {
  const content = files(site, ".html");
  const results = await new PurgeCSS().purge({
    content,
    css: stylesheets,
    extractors: [{ extractor: purgeHtml, extensions: ["html"] }],
    keyframes: true,
    variables: false,
    fontFace: false, // KaTeX names its fonts in `font:` shorthands, which PurgeCSS does not read
    safelist: { standard: [/^js$/, /^no-js$/, ...DYNAMIC], greedy: DYNAMIC },
    // md-typeset and md-icon are in the HTML already, and search results reuse them
  });
  for (const { file, css } of results) {
    fs.writeFileSync(file, css.replace(/\/\*# sourceMappingURL=.*?\*\/\s*$/, ""));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Our build step: render TeX with the KaTeX package from npm (called by hooks/katex.py).
// Usage: node render_math.js <path to the katex package>
// Reads one request per line, [{"tex": "...", "display": true}, ...], and answers each with
// one line, [{"html": "..."} | {"error": "..."}, ...] in the same order. One process serves a
// whole build: KaTeX loads once, not once per page.
const katex = require(process.argv[2]);
const readline = require("readline");

const render = ({ tex, display }) => {
  try {
    return { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" }) };
  } catch (error) {
    return { error: String(error.message) };
  }
};

readline.createInterface({ input: process.stdin, terminal: false }).on("line", (line) => {
  process.stdout.write(JSON.stringify(JSON.parse(line).map(render)) + "\n");
});

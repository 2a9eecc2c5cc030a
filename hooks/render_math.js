// Our build step: render TeX with the KaTeX package from npm (called by hooks/katex.py).
// Usage: node render_math.js <path to the katex package> < [{"tex": "...", "display": true}, ...]
// Prints [{"html": "..."} | {"error": "..."}, ...] in the same order.
const katex = require(process.argv[2]);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ tex, display }) => {
    try {
      return {
        html: katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" }),
      };
    } catch (error) {
      return { error: String(error.message) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});

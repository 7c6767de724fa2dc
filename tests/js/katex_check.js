// Reads a JSON list of {tex, display} from stdin; prints a JSON list of errors (empty: all parse).
// KaTeX runs in strict mode with throwOnError, so anything it would warn about fails.
const katex = require(process.env.KATEX_PATH || "katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const errors = [];
  for (const item of JSON.parse(input)) {
    try {
      katex.renderToString(item.tex, { displayMode: item.display, strict: "error", throwOnError: true });
    } catch (err) {
      errors.push({ tex: item.tex.slice(0, 300), error: String(err.message).slice(0, 300) });
    }
  }
  process.stdout.write(JSON.stringify(errors));
});

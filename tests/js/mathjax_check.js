// Reads a JSON list of {tex, display} from stdin; prints a JSON list of errors (empty: all parse).
// MathJax 3 TeX input with the packages base, ams and newcommand only. By default MathJax turns a
// TeX error into an <merror> node instead of failing, and its noundefined package would typeset
// an unknown macro in red; here formatError rethrows, noundefined and noerrors are not loaded (so
// an undefined control sequence is a TexError), and any <merror> left in the tree counts too.
const path = require("path");

const root = process.env.MATHJAX_PATH || path.dirname(require.resolve("mathjax-full/package.json"));
const js = (file) => require(path.join(root, "js", file));

const { mathjax } = js("mathjax.js");
const { TeX } = js("input/tex.js");
const { liteAdaptor } = js("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = js("handlers/html.js");
const { STATE } = js("core/MathItem.js");
js("input/tex/base/BaseConfiguration.js");
js("input/tex/ams/AmsConfiguration.js");
js("input/tex/newcommand/NewcommandConfiguration.js");
const { MapHandler } = js("input/tex/MapHandler.js");
const NewcommandUtil = js("input/tex/newcommand/NewcommandUtil.js").default;

RegisterHTMLHandler(liteAdaptor());
const tex = new TeX({
  packages: ["base", "ams", "newcommand"],
  formatError: (jax, err) => {
    throw err;
  },
});
const doc = mathjax.document("", { InputJax: tex });

// \newcommand, \def and \let store into these three maps, which outlive one formula (on a web
// page a definition holds for the formulas after it); empty them so each formula stands alone.
const definitions = [NewcommandUtil.NEW_DELIMITER, NewcommandUtil.NEW_COMMAND, NewcommandUtil.NEW_ENVIRONMENT];

function forgetDefinitions() {
  for (const name of definitions) MapHandler.getMap(name).map.clear();
}

function check(item) {
  // \newcommand definitions must not leak from one formula into the next.
  const node = doc.convert(item.tex, { display: !!item.display, end: STATE.CONVERT });
  let bad = null;
  node.walkTree((n) => {
    if (!bad && n.isKind("merror")) bad = n;
  });
  if (bad) throw new Error("merror in output");
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const errors = [];
  for (const item of JSON.parse(input)) {
    try {
      check(item);
    } catch (err) {
      const message = err && err.message !== undefined ? err.message : String(err);
      errors.push({ tex: String(item.tex).slice(0, 300), error: String(message).slice(0, 300) });
    } finally {
      forgetDefinitions();
    }
  }
  process.stdout.write(JSON.stringify(errors));
});

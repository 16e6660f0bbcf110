// A light highlighter for symcnn's language over a textarea: the textarea keeps the
// text and the caret (its own glyphs transparent), a <pre> under it shows the same
// text in colour. The layer kinds come from symcnn's registry (playground.language()).

const TOKEN = /(#[^\n]*)|([A-Za-z_][A-Za-z0-9_]*)(\s*=(?!=))?|(\d+\.\d*|\.\d+|\d+)|(\*\*|\/\/|[-+*\/%^=])|([()[\],;])|(\s+|.)/gy;

const escape = (text) => text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c]));

export class Editor {
  constructor(textarea, pre, onInput) {
    this.textarea = textarea;
    this.pre = pre;
    this.language = { kinds: [], words: [], keywords: ["def"] };
    this.mark = null;  // [line, column] of an error, 1-based
    textarea.addEventListener("input", () => { this.mark = null; this.paint(); onInput(); });
    textarea.addEventListener("scroll", () => {
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    });
  }

  get text() { return this.textarea.value; }

  set text(value) { this.textarea.value = value; this.mark = null; this.paint(); }

  setLanguage(language) { this.language = language; this.paint(); }

  setMark(line, column) { this.mark = line ? [line, column] : null; this.paint(); }

  paint() {
    const text = this.textarea.value;
    const kinds = new Set(this.language.kinds);
    const words = new Set(this.language.words);
    const keywords = new Set(this.language.keywords);
    const blocks = new Set([...text.matchAll(/\bdef\s+([A-Za-z_]\w*)/g)].map((m) => m[1]));
    const markAt = this.mark ? this.offset(text, ...this.mark) : -1;
    let html = "";
    let depth = 0;  // inside ( ): a name followed by = is a keyword argument
    TOKEN.lastIndex = 0;
    for (let m; TOKEN.lastIndex < text.length && (m = TOKEN.exec(text));) {
      const [whole, comment, name, equals, num, op, bracket] = m;
      const start = m.index;
      let pieces;
      if (comment) pieces = [[comment, "comment"]];
      else if (name) {
        const kind = keywords.has(name) ? "keyword" : words.has(name) ? "word"
          : equals && depth > 0 ? "argument" : kinds.has(name) ? "kind"
          : blocks.has(name) ? "block" : "name";
        pieces = [[name, kind]];
        if (equals) pieces.push([equals, "operator"]);
      } else if (num) pieces = [[num, "number"]];
      else if (op) pieces = [[op, "operator"]];
      else if (bracket) {
        if (bracket === "(") depth += 1;
        if (bracket === ")") depth = Math.max(0, depth - 1);
        pieces = [[bracket, "bracket"]];
      } else pieces = [[whole, null]];
      let at = start;
      for (const [piece, cls] of pieces) {
        html += this.span(piece, cls, markAt - at);
        at += piece.length;
      }
    }
    if (markAt >= text.length) html += '<mark class="error-at"> </mark>';
    this.pre.innerHTML = html + "\n";  // the newline keeps a last empty line's height
  }

  // A piece of text, coloured, with the error's character marked when it falls inside.
  span(piece, cls, markIndex) {
    const wrap = (t) => (cls && t ? `<span class="t-${cls}">${escape(t)}</span>` : escape(t));
    if (markIndex < 0 || markIndex >= piece.length) return wrap(piece);
    const char = piece[markIndex] === "\n" ? " " : piece[markIndex];
    return wrap(piece.slice(0, markIndex)) + `<mark class="error-at">${wrap(char)}</mark>`
      + (piece[markIndex] === "\n" ? "\n" : "") + wrap(piece.slice(markIndex + 1));
  }

  offset(text, line, column) {
    let at = 0;
    for (let l = 1; l < line; l += 1) {
      const next = text.indexOf("\n", at);
      if (next < 0) return text.length;
      at = next + 1;
    }
    return at + column - 1;
  }
}

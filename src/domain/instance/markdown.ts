// A small Markdown renderer for the texts an admin writes (extended
// description, privacy policy, terms of service, closed-registrations
// message). Mastodon renders these with Redcarpet and `escape_html`, so raw
// HTML is shown as text; this does the same, for the common subset:
// paragraphs, `#` headings, `-`/`*`/`1.` lists, `>` quotes, `---` rules,
// **strong**, *emphasis*, `code` and [links](https://…) (http, https and
// mailto only).
import { escapeHtml } from "../../lib/html.ts";

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s]+$/i;

/** Inline markup of one block, already HTML-escaped. */
function inline(text: string): string {
  const kept: string[] = [];
  const keep = (html: string) => `\uE000${kept.push(html) - 1}\uE000`;
  let out = escapeHtml(text);
  out = out.replace(/`([^`\n]+)`/g, (_, code: string) => keep(`<code>${code}</code>`));
  out = out.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label: string, href: string) => {
    // The URL was escaped with the rest: unescape to check it, escape again to write it.
    const raw = href.replace(/&amp;/g, "&");
    if (!SAFE_URL.test(raw)) return whole;
    return keep(`<a href="${escapeHtml(raw)}">${label}</a>`);
  });
  out = out.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>");
  out = out.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\w)/g, "$1<em>$2</em>");
  out = out.replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, "$1<em>$2</em>");
  return out.replace(/\uE000(\d+)\uE000/g, (_, i: string) => kept[Number(i)] ?? "");
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s*>\s?(.*)$/;

/** Renders `source` to HTML; an empty or blank source gives "". */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      html.push(`<h${level}>${inline(heading[2] ?? "")}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      html.push("<hr>");
      i++;
      continue;
    }
    const list = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (list) {
      const tag = list === BULLET ? "ul" : "ol";
      const items: string[] = [];
      while (i < lines.length && list.test(lines[i] ?? "")) {
        let item = list.exec(lines[i] ?? "")?.[1] ?? "";
        i++;
        // Indented lines continue the item.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i] ?? "") && !list.test(lines[i] ?? "")) {
          item += `\n${(lines[i] ?? "").trim()}`;
          i++;
        }
        items.push(`<li>${inline(item)}</li>`);
      }
      html.push(`<${tag}>\n${items.join("\n")}\n</${tag}>`);
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? "")) {
        quoted.push(QUOTE.exec(lines[i] ?? "")?.[1] ?? "");
        i++;
      }
      html.push(`<blockquote>\n${renderMarkdown(quoted.join("\n"))}</blockquote>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length) {
      const next = lines[i] ?? "";
      if (next.trim() === "" || HEADING.test(next) || RULE.test(next) || QUOTE.test(next)) break;
      if (paragraph.length > 0 && (BULLET.test(next) || NUMBERED.test(next))) break;
      paragraph.push(next.trim());
      i++;
    }
    html.push(`<p>${inline(paragraph.join("\n"))}</p>`);
  }
  return html.length === 0 ? "" : `${html.join("\n\n")}\n`;
}

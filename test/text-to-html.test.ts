import { describe, expect, it } from "vitest";
import {
  countableLength,
  extractMentions,
  shortenedLink,
  textToHtml,
  type TextToHtmlOptions,
} from "../src/lib/text-to-html.ts";

const known = new Map([["alice", "Alice"]]);
const options: TextToHtmlOptions = {
  tagUrl: (name) => `https://herd.test/tags/${encodeURIComponent(name)}`,
  localDomains: ["herd.test"],
  mention: (username, domain) => {
    const stored = domain === null ? known.get(username.toLowerCase()) : undefined;
    return stored ? { username: stored, url: `https://herd.test/@${stored}` } : null;
  },
};
const render = (text: string, extra: Partial<TextToHtmlOptions> = {}) =>
  textToHtml(text, { ...options, ...extra });

const link = (href: string, prefix: string, shown: string, rest = "", cls = "", rel = "") =>
  `<a href="${href}" target="_blank" rel="nofollow noopener noreferrer${rel}" translate="no">` +
  `<span class="invisible">${prefix}</span><span class="${cls}">${shown}</span>` +
  `<span class="invisible">${rest}</span></a>`;

describe("textToHtml: paragraphs and escaping (simple_format)", () => {
  it("wraps text in a paragraph and escapes HTML", () => {
    expect(render("Hello <b>world</b> & 'friends' \"too\"")).toBe(
      "<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; &#39;friends&#39; &quot;too&quot;</p>",
    );
  });

  it("makes paragraphs on blank lines and <br /> on single newlines", () => {
    expect(render("one\ntwo\n\nthree\r\nfour\n\n\n\nfive")).toBe(
      "<p>one<br />two</p><p>three<br />four</p><p>five</p>",
    );
  });

  it("renders blank text as nothing", () => {
    expect(render("")).toBe("");
    expect(render("  \n \n")).toBe("");
  });

  it("keeps newlines out of single-line values", () => {
    expect(render("a\nb", { multiline: false })).toBe("a\nb");
  });
});

describe("textToHtml: links", () => {
  it("links a short URL without cutting it", () => {
    expect(render("see https://example.com")).toBe(
      `<p>see ${link("https://example.com", "https://", "example.com")}</p>`,
    );
  });

  it("hides www. with the scheme", () => {
    expect(render("https://www.example.com/x")).toBe(
      `<p>${link("https://www.example.com/x", "https://www.", "example.com/x")}</p>`,
    );
  });

  it("cuts the shown part after 30 characters with the ellipsis class", () => {
    expect(render("https://example.com/a/very/long/path/that/goes/on")).toBe(
      `<p>${link(
        "https://example.com/a/very/long/path/that/goes/on",
        "https://",
        "example.com/a/very/long/path/t",
        "hat/goes/on",
        "ellipsis",
      )}</p>`,
    );
  });

  it("leaves trailing punctuation and unbalanced parentheses out of the link", () => {
    expect(render("Visit https://example.com/foo.")).toBe(
      `<p>Visit ${link("https://example.com/foo", "https://", "example.com/foo")}.</p>`,
    );
    // 31 characters after the scheme: the last one is cut off.
    expect(render("(see https://en.wikipedia.org/wiki/Foo_(bar))")).toBe(
      `<p>(see ${link(
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://",
        "en.wikipedia.org/wiki/Foo_(bar",
        ")",
        "ellipsis",
      )})</p>`,
    );
  });

  it("escapes what a URL carries and adds rel=me on field values", () => {
    expect(shortenedLink("https://example.com/?a=1&b=2", true)).toBe(
      link(
        "https://example.com/?a=1&amp;b=2",
        "https://",
        "example.com/?a=1&amp;b=2",
        "",
        "",
        " me",
      ),
    );
    expect(render("https://example.com", { multiline: false, relMe: true })).toBe(
      link("https://example.com", "https://", "example.com", "", "", " me"),
    );
  });

  it("needs a scheme and a domain", () => {
    expect(render("example.com and ftp://example.com and http://localhost")).toBe(
      "<p>example.com and ftp://example.com and http://localhost</p>",
    );
  });
});

describe("textToHtml: hashtags", () => {
  const tag = (name: string, href = name) =>
    `<a href="https://herd.test/tags/${href}" class="mention hashtag" rel="tag">#<span>${name}</span></a>`;

  it("links hashtags", () => {
    expect(render("#Herd rocks, #café_au_lait too")).toBe(
      `<p>${tag("Herd")} rocks, ${tag("café_au_lait", "caf%C3%A9_au_lait")} too</p>`,
    );
  });

  it("needs a letter and no letter, digit, = or / before the #", () => {
    expect(render("#1 fan, foo#bar, a=#b, x/#y")).toBe("<p>#1 fan, foo#bar, a=#b, x/#y</p>");
  });

  it("does not take a URL fragment for a hashtag", () => {
    expect(render("https://example.com/#top")).toBe(
      `<p>${link("https://example.com/#top", "https://", "example.com/#top")}</p>`,
    );
  });
});

describe("textToHtml: mentions", () => {
  const card = (name: string) =>
    `<span class="h-card" translate="no"><a href="https://herd.test/@${name}" class="u-url mention">@<span>${name}</span></a></span>`;

  it("links known local accounts with their stored username", () => {
    expect(render("hi @alice and @ALICE@herd.test!")).toBe(
      `<p>hi ${card("Alice")} and ${card("Alice")}!</p>`,
    );
  });

  it("leaves unknown and remote accounts as text", () => {
    expect(render("@bob and @carol@remote.example")).toBe("<p>@bob and @carol@remote.example</p>");
  });

  it("does not take e-mail addresses for mentions", () => {
    expect(render("mail me@alice.example")).toBe("<p>mail me@alice.example</p>");
  });

  it("lists the mentioned accounts once each", () => {
    expect(
      extractMentions("@alice @Alice @bob@Remote.Example @carol@herd.test me@x.y", ["herd.test"]),
    ).toEqual([
      { username: "alice", domain: null },
      { username: "bob", domain: "remote.example" },
      { username: "carol", domain: null },
    ]);
  });
});

describe("textToHtml: mentions with a port", () => {
  it("reads a port after the domain, as side-by-side development servers need", () => {
    expect(
      extractMentions("@alice@localhost:3001, @bob@example.com: hi, @c@d.e:123456", []),
    ).toEqual([
      { username: "alice", domain: "localhost:3001" },
      { username: "bob", domain: "example.com" },
      { username: "c", domain: "d.e" },
    ]);
  });

  it("does not count the domain and port of a remote mention", () => {
    expect(countableLength("hi @alice@localhost:3001")).toBe(countableLength("hi @alice"));
  });
});

describe("countableLength (NoteLengthValidator)", () => {
  it("counts grapheme clusters, a URL as 23 and a remote mention without its domain", () => {
    expect(countableLength("abc")).toBe(3);
    expect(countableLength("👩‍👩‍👧 é")).toBe(3);
    expect(countableLength(`x https://example.com/${"a".repeat(100)}`)).toBe(2 + 23);
    expect(countableLength("@bob@remote.example")).toBe(4);
  });
});

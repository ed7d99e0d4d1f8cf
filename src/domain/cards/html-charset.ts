// The text of an HTML page from its bytes: in the charset the Content-Type
// header names, else the one a <meta charset> or <meta http-equiv> in its
// first 1,024 bytes names (the HTML standard's prescan), else UTF-8. A
// charset the platform does not know falls back to UTF-8. (Mastodon guesses
// with CharlockHolmes when unsure; Herd trusts what the page says.)
export function decodeHtml(body: Uint8Array, headerCharset: string | null): string {
  const head = Buffer.from(body.subarray(0, 1024)).toString("latin1");
  const declared =
    headerCharset ??
    /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(head)?.[1] ??
    "utf-8";
  try {
    return new TextDecoder(declared.trim().toLowerCase()).decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}

// The frame of every server-rendered page: a small, self-contained document
// (inline CSS, no scripts, no external resources) sent with headers that keep
// it out of frames and caches. Pages are hono/html templates, which escape
// every interpolated value.
import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getSetting } from "../domain/instance/settings.ts";
import type { HerdEnv } from "../http/env.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const CSS = `
:root{color-scheme:light dark;--fg:#1f232b;--muted:#5c6370;--bg:#f3f4f7;--card:#fff;--line:#d9dce3;--accent:#4c5bd4;--accent-fg:#fff;--danger:#c0392b}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--muted:#9aa1ad;--bg:#16181d;--card:#1f2229;--line:#343843;--accent:#8c96ff;--accent-fg:#10121a;--danger:#ff7b6b}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:28rem;margin:3rem auto;padding:0 1rem}
.site{font-weight:700;font-size:1.1rem;margin-bottom:1rem;color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=email],input[type=password]{width:100%;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;font:inherit;background:transparent;color:inherit}
button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
.actions{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}
.actions form{margin:0}
.error{border:1px solid var(--danger);color:var(--danger);border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.muted{color:var(--muted);font-size:.9rem}
ul.scopes{padding-left:1.2rem;margin:.5rem 0}
ul.scopes li{margin:.2rem 0}
code.scope{font-size:.85em;color:var(--muted)}
.code{font:600 1.1rem/1.4 ui-monospace,monospace;word-break:break-all;padding:.75rem;border:1px dashed var(--line);border-radius:8px;user-select:all}
`;

export function layout(opts: {
  title: string;
  siteTitle: string;
  body: Html;
  lang?: string;
}): Html {
  return html`<!doctype html>
    <html lang="${opts.lang ?? "en"}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${opts.title} - ${opts.siteTitle}</title>
        <style>
          ${CSS}
        </style>
      </head>
      <body>
        <main>
          <div class="site">${opts.siteTitle}</div>
          <div class="card">${opts.body}</div>
        </main>
      </body>
    </html>`;
}

/** Headers for pages that hold credentials or forms: never cached, framed or leaked. */
export function setPageHeaders(c: Context<HerdEnv>): void {
  c.header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  // No form-action: browsers apply it to the redirect that follows a form,
  // and the OAuth consent form redirects to the client's own URI.
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  );
}

/** Renders a page in the layout, with the site's title. */
export async function sendPage(
  c: Context<HerdEnv>,
  opts: { title: string; body: Html; status?: ContentfulStatusCode; lang?: string },
): Promise<Response> {
  const siteTitle = await getSetting(c.get("deps").database.db, "site_title");
  setPageHeaders(c);
  return c.html(
    layout({ title: opts.title, siteTitle, body: opts.body, lang: opts.lang }),
    opts.status ?? 200,
  );
}

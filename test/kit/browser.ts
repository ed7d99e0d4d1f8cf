// A minimal browser for the server-rendered pages: keeps cookies between
// requests (as a browser would for https://herd.test) and reads forms, so that
// tests drive sign-in and OAuth consent over HTTP like a user.
import { createHash, randomBytes } from "node:crypto";
import type { TestInstance } from "./instance.ts";

export interface Browser {
  cookies: Map<string, string>;
  /** Every Set-Cookie header received, raw (to check flags). */
  setCookies: string[];
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(
    path: string,
    form: Record<string, string> | [string, string][],
    headers?: Record<string, string>,
  ): Promise<Response>;
  request(path: string, init: RequestInit): Promise<Response>;
}

export function browser(t: TestInstance): Browser {
  const cookies = new Map<string, string>();
  const setCookies: string[] = [];
  const request = async (path: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) {
      headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const url = path.startsWith("http") ? path : `https://herd.test${path}`;
    const res = await t.app.request(url, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      setCookies.push(line);
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (gone) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  return {
    cookies,
    setCookies,
    request,
    get: (path, headers) => request(path, { method: "GET", headers }),
    post: (path, form, headers) =>
      request(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(form as Record<string, string>).toString(),
      }),
  };
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

export function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m);
}

/** The forms of a page: action, method and fields (hidden or with a value). */
export function forms(page: string): { action: string; fields: [string, string][] }[] {
  return [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => {
    const action = /action="([^"]*)"/.exec(m[1]!)?.[1] ?? "";
    const fields = [...m[2]!.matchAll(/<input\b[^>]*>/g)]
      .map((i) => {
        const name = /name="([^"]*)"/.exec(i[0])?.[1];
        const value = /value="([^"]*)"/.exec(i[0])?.[1] ?? "";
        return name ? ([unescapeHtml(name), unescapeHtml(value)] as [string, string]) : null;
      })
      .filter((f): f is [string, string] => f !== null);
    return { action: unescapeHtml(action), fields };
  });
}

/** The `authenticity_token` of the first form of a page. */
export function csrfOf(page: string): string {
  const token = forms(page)[0]?.fields.find(([k]) => k === "authenticity_token")?.[1];
  if (!token) throw new Error(`no authenticity_token in page: ${page.slice(0, 300)}`);
  return token;
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** Signs `b` in through the sign-in page; returns the sign-in response (303 on success). */
export async function signIn(
  b: Browser,
  login: string,
  password: string,
  returnTo?: string,
): Promise<Response> {
  const page = await b.get(
    returnTo ? `/auth/sign_in?return_to=${encodeURIComponent(returnTo)}` : "/auth/sign_in",
  );
  const html = await page.text();
  const fields: [string, string][] = [
    ["authenticity_token", csrfOf(html)],
    ["user[email]", login],
    ["user[password]", password],
  ];
  if (returnTo) fields.push(["return_to", returnTo]);
  return b.post("/auth/sign_in", fields);
}

/**
 * The whole browser side of an authorization: GET /oauth/authorize, sign in if
 * asked, approve on the consent page. Returns the final redirect's Location.
 */
export async function authorize(
  b: Browser,
  query: Record<string, string>,
  user?: { login: string; password: string },
  decision: "approve" | "deny" = "approve",
): Promise<string> {
  const path = `/oauth/authorize?${new URLSearchParams(query)}`;
  let res = await b.get(path);
  if (res.status === 302 && res.headers.get("location")!.startsWith("/auth/sign_in")) {
    if (!user) throw new Error("sign-in needed but no user given");
    const back = new URL(res.headers.get("location")!, "https://herd.test").searchParams.get(
      "return_to",
    )!;
    const signedIn = await signIn(b, user.login, user.password, back);
    if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);
    res = await b.get(signedIn.headers.get("location")!);
  }
  if (res.status === 302) return res.headers.get("location")!;
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const page = await res.text();
  const all = forms(page).filter((f) => f.action === "/oauth/authorize");
  const form = all.find((f) =>
    decision === "deny"
      ? f.fields.some(([k, v]) => k === "_method" && v === "delete")
      : !f.fields.some(([k]) => k === "_method"),
  );
  if (!form) throw new Error(`no ${decision} form on page`);
  const posted = await b.post("/oauth/authorize", form.fields);
  if (posted.status !== 302) throw new Error(`consent answered ${posted.status}`);
  return posted.headers.get("location")!;
}

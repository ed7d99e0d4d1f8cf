// The front's path (src/http/front.ts pathOfUrl) is Hono's getPath, made
// cheap for URLs with nothing to decode: the two must agree on every URL,
// or a request would be routed by one path and given the headers of another.
import { getPath } from "hono/utils/url";
import { describe, expect, it } from "vitest";
import { pathOfUrl } from "../src/http/front.ts";

const URLS = [
  "http://localhost/",
  "http://localhost",
  "http://localhost:3000/api/v1/trends",
  "https://example.com/api/v1/timelines/home?limit=40&max_id=1",
  "http://127.0.0.1:8080/@alice?x=1#frag",
  "http://h/a#b?c",
  "http://h/a?b#c",
  "http://h/tags/caf%C3%A9",
  "http://h/tags/caf%C3%A9?q=%20",
  "http://h/a?q=%zz",
  "http://h/a%2Fb",
  "http://h/a%25b",
  "http://h/bad%zz/x",
  "http://h/bad%E0%A4%A/x",
  "http://h/%",
  "http://h/a/b/%3F?x#y",
  "http://[::1]:3000/api/v2/instance",
  "http://h/a#%41",
  "http://h/a#b%zz?c",
  "http://h/a?b#%",
];

describe("the front's path", () => {
  it.each(URLS)("agrees with Hono's getPath for %s", (url) => {
    const request = new Request(url);
    expect(pathOfUrl(request)).toBe(getPath(request));
  });
});

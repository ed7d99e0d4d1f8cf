// The baselines of bench/social.ts, in a process of their own (as Herd is):
// - a bare Hono app on @hono/node-server answering GET /<name> with the bytes
//   of <dir>/<name>.json (captured from Herd), as application/json, and
//   GET /health with "OK", and GET /<name>/whole with Herd's whole answer
//   (see below), its headers in one plain object (node-server's fast path);
// - a bare node:http server answering GET /<name> with the same bytes, and
//   GET /health with "OK" (what Herd's /health answers); and GET
//   /<name>/whole with the headers of Herd's answer too (<dir>/<name>.headers,
//   when there is one), a request id of its own for each.
//
//   node bench/social-bare.ts <dir> <hono port> <node:http port>
//
// Prints "ready" on stdout once both listen; stops on SIGTERM.
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const [dir, honoPort, nodePort] = process.argv.slice(2);
if (!dir || !honoPort || !nodePort) {
  process.stderr.write("usage: social-bare.ts <dir> <hono port> <node:http port>\n");
  process.exit(2);
}

// Copied once into arrays of their own, so that Hono takes them as they are:
// a copy per request (as `new Uint8Array(buffer)` in the route made) would
// charge the baseline for work Herd does not do.
const bodies = new Map<string, Uint8Array<ArrayBuffer>>();
for (const file of readdirSync(dir)) {
  if (file.endsWith(".json")) {
    bodies.set(`/${file.slice(0, -5)}`, new Uint8Array(readFileSync(path.join(dir, file))));
  }
}

// Herd's headers as they came, but those node:http writes itself.
const OWN = new Set([
  "date",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "x-request-id",
]);
const wholes = new Map<
  string,
  { body: Uint8Array<ArrayBuffer>; headers: Record<string, string | string[]> }
>();
for (const file of readdirSync(dir)) {
  if (!file.endsWith(".headers")) continue;
  const name = `/${file.slice(0, -8)}`;
  const body = bodies.get(name);
  if (!body) continue;
  const given = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<
    string,
    string | string[]
  >;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(given)) if (!OWN.has(k)) headers[k] = v;
  wholes.set(`${name}/whole`, { body, headers });
}
// As long as Herd's (a UUID), different for each answer.
let answered = 0;
const requestId = () => `00000000-0000-4000-8000-${(++answered).toString(16).padStart(12, "0")}`;

const app = new Hono();
app.get("/health", (c) => c.text("OK"));
app.get("/:name/whole", (c) => {
  const whole = wholes.get(c.req.path);
  if (!whole) return c.notFound();
  return new Response(whole.body, {
    headers: { ...whole.headers, "x-request-id": requestId() } as Record<string, string>,
  });
});
app.get("/:name", (c) => {
  const body = bodies.get(c.req.path);
  if (!body) return c.notFound();
  return c.body(body, 200, { "content-type": "application/json; charset=UTF-8" });
});

const OK = Buffer.from("OK");
const plain = http.createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/health") {
    res.writeHead(200, { "content-type": "text/plain; charset=UTF-8", "content-length": 2 });
    res.end(OK);
    return;
  }
  const whole = wholes.get(url);
  if (whole) {
    res.writeHead(200, {
      ...whole.headers,
      "x-request-id": requestId(),
      "content-length": whole.body.length,
    });
    res.end(whole.body);
    return;
  }
  const body = bodies.get(url);
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": body.length,
  });
  res.end(body);
});

let listening = 0;
const ready = () => {
  if (++listening === 2) process.stdout.write("ready\n");
};
const honoServer = serve(
  { fetch: app.fetch, port: Number(honoPort), hostname: "127.0.0.1" },
  ready,
);
plain.listen(Number(nodePort), "127.0.0.1", ready);

process.on("SIGTERM", () => {
  honoServer.close();
  plain.close();
  process.exit(0);
});

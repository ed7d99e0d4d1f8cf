// Discovery documents other servers and tools read: NodeInfo
// (https://nodeinfo.diaspora.software/protocol.html, schema 2.0 and 2.1) and
// host-meta (RFC 6415), which points to WebFinger.
import type { Context, Hono } from "hono";
import { getNodeInfoFacts } from "../domain/instance/instance-info.ts";
import { HERD_VERSION, SOFTWARE_NAME, SOURCE_URL } from "../domain/instance/software.ts";
import type { HerdEnv } from "../http/env.ts";
import { escapeHtml } from "../lib/html.ts";
import { urlsFor } from "../urls.ts";

const NODEINFO_VERSIONS = ["2.0", "2.1"] as const;
type NodeInfoVersion = (typeof NODEINFO_VERSIONS)[number];

const schema = (version: NodeInfoVersion) =>
  `http://nodeinfo.diaspora.software/ns/schema/${version}`;

async function nodeInfo(c: Context<HerdEnv>, version: NodeInfoVersion) {
  const { config, database } = c.get("deps");
  const facts = await getNodeInfoFacts(database.db, config);
  const body = {
    version,
    software: {
      name: SOFTWARE_NAME,
      version: HERD_VERSION,
      ...(version === "2.1" ? { repository: SOURCE_URL, homepage: SOURCE_URL } : {}),
    },
    protocols: ["activitypub"],
    services: { outbound: [], inbound: [] },
    usage: {
      users: {
        total: facts.stats.userCount,
        activeMonth: facts.stats.activeMonth,
        activeHalfyear: facts.stats.activeHalfyear,
      },
      localPosts: facts.stats.statusCount,
    },
    openRegistrations: facts.openRegistrations,
    metadata: { nodeName: facts.title, nodeDescription: facts.description },
  };
  c.header("Cache-Control", "public, max-age=1800");
  return c.body(JSON.stringify(body), 200, {
    "Content-Type": `application/json; profile="${schema(version)}#"`,
  });
}

/** JRD unless the client asks for XRD: `?format=json`, `host-meta.json` or an Accept naming JSON. */
function wantsJson(c: Context<HerdEnv>): boolean {
  if (c.req.query("format") === "json") return true;
  const accept = c.req.header("accept") ?? "";
  return /application\/(jrd\+)?json/i.test(accept) && !/xrd\+xml/i.test(accept);
}

function hostMeta(c: Context<HerdEnv>, json: boolean) {
  const template = `${urlsFor(c.get("deps").config).base}/.well-known/webfinger?resource={uri}`;
  c.header("Cache-Control", "public, max-age=259200");
  if (json) {
    return c.body(JSON.stringify({ links: [{ rel: "lrdd", template }] }), 200, {
      "Content-Type": "application/jrd+json; charset=utf-8",
    });
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="${escapeHtml(template)}"/>
</XRD>
`;
  return c.body(xml, 200, { "Content-Type": "application/xrd+xml; charset=utf-8" });
}

export function registerDiscoveryRoutes(app: Hono<HerdEnv>): void {
  app.get("/.well-known/nodeinfo", (c) => {
    const base = urlsFor(c.get("deps").config).base;
    c.header("Cache-Control", "public, max-age=259200");
    return c.json({
      links: NODEINFO_VERSIONS.map((v) => ({ rel: schema(v), href: `${base}/nodeinfo/${v}` })),
    });
  });
  for (const version of NODEINFO_VERSIONS) {
    app.get(`/nodeinfo/${version}`, (c) => nodeInfo(c, version));
  }
  app.get("/.well-known/host-meta", (c) => hostMeta(c, wantsJson(c)));
  app.get("/.well-known/host-meta.json", (c) => hostMeta(c, true));
}

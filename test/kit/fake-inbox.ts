// Inboxes of other servers for outgoing-delivery tests: a real HTTP listener
// on loopback (tests set ALLOW_PRIVATE_ADDRESS=true) that records what Herd
// POSTs and answers with `status` (202, or a failure a test sets), and remote
// accounts delivered to it, stored as incoming federation stores them, with
// a domain of their own so that posts can @mention them (Herd's mention
// syntax has no port).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll } from "vitest";
import { accounts, type AccountRow } from "../../src/db/schema/index.ts";
import type { Received } from "./fake-remote.ts";
import { makeRemoteAccount } from "./fixtures.ts";
import type { TestInstance } from "./instance.ts";

export interface FakeInbox {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`: the host deliveries are tracked by. */
  host: string;
  /** The status every POST is answered with (change it freely). */
  status: number;
  /** What Herd POSTed, oldest first (failed ones too). */
  received: Received[];
}

/** Starts an inbox server for the calling test file (closed after it). */
export async function startFakeInbox(status = 202): Promise<FakeInbox> {
  const inbox: FakeInbox = { origin: "", host: "", status, received: [] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST") {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<
            string,
            unknown
          >;
          inbox.received.push({ path: req.url ?? "/", body, headers: req.headers });
        } catch {
          // Not JSON: not recorded.
        }
        res.writeHead(inbox.status).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  inbox.origin = `http://127.0.0.1:${port}`;
  inbox.host = `127.0.0.1:${port}`;
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return inbox;
}

/**
 * A remote account `username@domain` whose actor lives on `inbox`'s server:
 * its personal inbox is `/users/<username>/inbox` there, and its shared inbox
 * `/inbox` unless `shared` is false.
 */
export async function remoteAccountAt(
  t: TestInstance,
  inbox: Pick<FakeInbox, "origin">,
  username: string,
  domain: string,
  options: { shared?: boolean } = {},
): Promise<AccountRow> {
  const row = await makeRemoteAccount(t, { username, domain });
  const uri = `${inbox.origin}/users/${username}`;
  const [updated] = await t.database.db
    .update(accounts)
    .set({
      uri,
      url: `${inbox.origin}/@${username}`,
      inboxUrl: `${uri}/inbox`,
      sharedInboxUrl: options.shared === false ? null : `${inbox.origin}/inbox`,
      followersUrl: `${uri}/followers`,
    })
    .where(eq(accounts.id, row.id))
    .returning();
  return updated!;
}

/** The activities of `type` among `received`. */
export function ofType(received: readonly Received[], type: string): Received[] {
  return received.filter((r) => r.body.type === type);
}

/** `to` or `cc` of an activity (or object) as a list. */
export function audience(body: Record<string, unknown>, key: "to" | "cc"): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as string[];
}

// Herd's User-Agent on deliveries. Every GET Fedify makes goes through Herd's
// own loaders (remote-fetch.ts), which send `Herd/<version> (+https://domain/)`
// as Mastodon's Request class does; Fedify's `userAgent` option cannot be
// given beside those loaders (createFederation refuses it), so the POSTs of
// deliveries would go out with the runtime's default ("node"). Fedify sends
// a queued delivery with the headers its outbox message carries, so each one
// is given Herd's User-Agent as it is taken from the queue (queued ones, and
// retries, included).
import { aroundHandler, type JobMessageQueue } from "./job-queue.ts";

/** The outbox queue `queue`, its deliveries carrying `userAgent`. */
export function withDeliveryUserAgent(queue: JobMessageQueue, userAgent: string): JobMessageQueue {
  return aroundHandler(queue, (handler) => (message) => {
    const m = message as { type?: unknown; headers?: unknown } | null;
    if (m?.type !== "outbox") return handler(message);
    const given =
      typeof m.headers === "object" && m.headers !== null
        ? Object.entries(m.headers as Record<string, string>)
        : [];
    const headers = Object.fromEntries(
      given.filter(([name]) => name.toLowerCase() !== "user-agent"),
    );
    return handler({ ...m, headers: { ...headers, "User-Agent": userAgent } });
  });
}

// Domain events for a test instance, wired as main.ts wires them: an event
// bus on the instance's database handle, publishing on PostgreSQL NOTIFY (or
// on Redis when the instance's env has REDIS_URL). Nothing listens until a
// streaming server starts (kit/streaming.ts).
import type { Config } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { createEventBus, type EventBus } from "../../src/domain/events/bus.ts";
import { withEvents } from "../../src/domain/events/emit.ts";
import { silentLogger } from "../../src/logger.ts";
import { publishDomainEvents } from "../../src/pubsub/domain-events.ts";
import { createPostgresPubSub } from "../../src/pubsub/postgres.ts";
import type { PubSub } from "../../src/pubsub/pubsub.ts";
import { createRedisPubSub } from "../../src/pubsub/redis.ts";

/** A pub/sub adapter for the database at `url`, as main.ts chooses it. */
export function testPubSub(database: Database, url: string, config: Config): PubSub {
  // Test files share one Redis: the channel is the database's, so they stay apart.
  const name = new URL(url).pathname.slice(1);
  return config.redisUrl
    ? createRedisPubSub({
        url: config.redisUrl,
        channel: `herd:${name}:events`,
        logger: silentLogger,
      })
    : createPostgresPubSub({ url, db: database.db, channel: "herd_events", logger: silentLogger });
}

export function withTestEvents(
  database: Database,
  url: string,
  config: Config,
): { database: Database; pubsub: PubSub; bus: EventBus } {
  const bus = createEventBus(() => undefined);
  const pubsub = testPubSub(database, url, config);
  publishDomainEvents(bus, pubsub, silentLogger);
  return { database: withEvents(database, bus), pubsub, bus };
}

// Pub/sub over Redis (REDIS_URL), as Mastodon's streaming server uses it:
// one connection publishes, one subscribes (a subscribed Redis connection
// can do nothing else). ioredis reconnects both and subscribes again by
// itself. Messages are published after the transaction they describe has
// committed (the event bus's after-commit subscribers), so a crash between
// the commit and the publish loses them: fine for the streaming API, which
// is best-effort; durable work goes through jobs.
//
// Why Redis at all when PostgreSQL can notify: every commit that NOTIFYs
// takes a lock shared by the whole database for a moment, which serializes
// busy writers; Redis moves that off the database in the scaled mode.
import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";
import { dispatch, type MessageListener, type PubSub } from "./pubsub.ts";

export interface RedisPubSubOptions {
  url: string;
  /** The channel, named after the instance so that instances sharing a Redis stay apart. */
  channel: string;
  logger: Logger;
}

/** Redis accepts messages of up to 512 MB; Herd's are far smaller. */
const MAX_MESSAGE_BYTES = 1 << 20;

export function createRedisPubSub(options: RedisPubSubOptions): PubSub {
  const { channel, logger } = options;
  const listeners = new Set<MessageListener>();
  const connect = (name: string) => {
    const redis = new Redis(options.url, { lazyConnect: true, connectionName: name });
    redis.on("error", (err) => logger.warn("redis connection error", { connection: name, err }));
    return redis;
  };
  const publisher = connect("herd-publish");
  let subscriber: Redis | null = null;
  let publisherReady: Promise<void> | null = null;
  const onError = (err: unknown) => logger.error("pub/sub listener failed", { err });

  return {
    name: "redis",
    transactional: false,
    maxMessageBytes: MAX_MESSAGE_BYTES,

    async publish(messages) {
      if (messages.length === 0) return;
      publisherReady ??= publisher.connect();
      await publisherReady;
      const pipeline = publisher.pipeline();
      for (const message of messages) pipeline.publish(channel, message);
      await pipeline.exec();
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async start() {
      if (subscriber) return;
      subscriber = connect("herd-subscribe");
      subscriber.on("message", (ch: string, message: string) => {
        if (ch === channel) dispatch(listeners, message, onError);
      });
      await subscriber.connect();
      await subscriber.subscribe(channel);
    },

    async close() {
      listeners.clear();
      const quit = async (redis: Redis | null) => {
        if (!redis || redis.status === "end" || redis.status === "wait") {
          redis?.disconnect();
          return;
        }
        await redis.quit().catch(() => redis.disconnect());
      };
      await Promise.all([quit(publisher), quit(subscriber)]);
      subscriber = null;
    },
  };
}

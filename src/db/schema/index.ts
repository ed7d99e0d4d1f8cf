export * from "./accounts.ts";
export * from "./users.ts";
export * from "./oauth.ts";
export * from "./instance.ts";
export * from "./statuses.ts";
export * from "./graph.ts";
export * from "./feeds.ts";
export * from "./notifications.ts";

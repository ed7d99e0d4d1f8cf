export * from "./accounts.ts";
export * from "./users.ts";
export * from "./oauth.ts";
export * from "./instance.ts";

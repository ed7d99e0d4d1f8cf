// The only reader of process.env. Names follow Mastodon's where Mastodon has
// one (https://docs.joinmastodon.org/admin/config/); DATA_DIR and the
// development switches are Herd's own.
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface SmtpConfig {
  server: string;
  port: number;
  login: string | null;
  password: string | null;
  fromAddress: string;
  /** "none" | "auto" | "always" as Mastodon's SMTP_ENABLE_STARTTLS. */
  starttls: "auto" | "always" | "never";
  tls: boolean;
}

/** S3-compatible media storage, with Mastodon's variables (S3_ENABLED=true). */
export interface S3Config {
  bucket: string;
  /** Where Herd sends requests (S3_ENDPOINT, or AWS's endpoint of S3_REGION). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where clients read files: S3_PROTOCOL://S3_ALIAS_HOST, or S3_PROTOCOL://S3_HOSTNAME/S3_BUCKET. */
  publicUrl: string;
  /** The canned ACL of new files (S3_PERMISSION, default public-read); null: none sent. */
  permission: string | null;
  forceSingleRequest: boolean;
}

export interface MediaConfig {
  /** Null: files on local disk under DATA_DIR/media, served by Herd at /system. */
  s3: S3Config | null;
  ffmpegBinary: string;
  ffprobeBinary: string;
  /**
   * CACHE_REMOTE_MEDIA (Herd's own; Mastodon always downloads on receipt):
   * when the media of remote posts, and remote avatars and headers, are
   * copied into Herd's storage. "receipt" (default, as Mastodon), "view"
   * (attachments on first view through /media_proxy), "never" (linked remotely).
   */
  cacheRemoteMedia: "receipt" | "view" | "never";
}

export interface Config {
  env: "production" | "development" | "test";
  localDomain: string;
  webDomain: string;
  /** `https:` unless LOCAL_HTTPS=false (default false only for localhost names). */
  protocol: "https:" | "http:";
  port: number;
  bind: string;
  dataDir: string;
  /** Null: use the embedded PostgreSQL in dataDir/postgres. */
  databaseUrl: string | null;
  /** DB_POOL: the server's connections to PostgreSQL (Mastodon's name; its default is 5 too). */
  dbPool: number;
  /**
   * PAGE_CACHE_MB: memory for rendered home timeline pages and statuses per
   * process (mastodon/entities/page-cache.ts); 0 turns the cache off.
   */
  pageCacheMb: number;
  redisUrl: string | null;
  /** Null: generate once and keep in dataDir (see secrets.ts). */
  secretKeyBase: string | null;
  singleUserMode: boolean;
  smtp: SmtpConfig | null;
  allowPrivateAddress: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** Root-level Mastodon-compatible toggles. */
  streamingApiBaseUrl: string | null;
  media: MediaConfig;
}

type Env = Record<string, string | undefined>;

const bool = (name: string, value: string | undefined, fallback: boolean): boolean => {
  if (value === undefined || value === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
};

const int = (
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
) => {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
};

// A host name with an optional port, as LOCAL_DOMAIN and WEB_DOMAIN are.
const domainSchema = z
  .string()
  .regex(
    /^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i,
  );

const isLocalhostName = (domain: string) =>
  /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(domain) ||
  /\.localhost(:\d+)?$/i.test(domain);

function databaseUrlFrom(env: Env): string | null {
  if (env.DATABASE_URL) {
    let url: URL;
    try {
      url = new URL(env.DATABASE_URL);
    } catch {
      throw new ConfigError("DATABASE_URL is not a valid URL");
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
      throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
    }
    return env.DATABASE_URL;
  }
  if (env.DB_HOST || env.DB_NAME || env.DB_USER) {
    const port = int("DB_PORT", env.DB_PORT, 5432, 1, 65535);
    const user = encodeURIComponent(env.DB_USER ?? "postgres");
    const pass = env.DB_PASS ? `:${encodeURIComponent(env.DB_PASS)}` : "";
    const host = env.DB_HOST ?? "localhost";
    const name = encodeURIComponent(env.DB_NAME ?? "herd_production");
    // A host starting with / is a Unix socket directory, as libpq reads it.
    if (host.startsWith("/")) {
      return `postgres://${user}${pass}@/${name}?host=${encodeURIComponent(host)}&port=${port}`;
    }
    return `postgres://${user}${pass}@${host}:${port}/${name}`;
  }
  return null;
}

function s3From(env: Env): S3Config | null {
  if (!bool("S3_ENABLED", env.S3_ENABLED, false)) return null;
  for (const name of ["S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const) {
    if (!env[name]) throw new ConfigError(`${name} is required when S3_ENABLED is true`);
  }
  const region = env.S3_REGION || "us-east-1";
  const endpoint = (env.S3_ENDPOINT || `https://s3.${region}.amazonaws.com`).replace(/\/+$/, "");
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new ConfigError("S3_ENDPOINT must be an http:// or https:// URL");
  }
  const alias = (env.S3_ALIAS_HOST ?? "").replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  // Mastodon's default public host is AWS's; with S3_ENDPOINT, Herd uses that endpoint's.
  const own = env.S3_ENDPOINT && !env.S3_HOSTNAME && !alias ? new URL(endpoint) : null;
  const protocol = (env.S3_PROTOCOL || own?.protocol || "https").replace(/:$/, "").toLowerCase();
  if (protocol !== "https" && protocol !== "http") {
    throw new ConfigError(`S3_PROTOCOL must be https or http, got "${env.S3_PROTOCOL}"`);
  }
  const hostname = env.S3_HOSTNAME || own?.host || `s3-${region}.amazonaws.com`;
  return {
    bucket: env.S3_BUCKET!,
    endpoint,
    region,
    accessKeyId: env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
    publicUrl: alias ? `${protocol}://${alias}` : `${protocol}://${hostname}/${env.S3_BUCKET}`,
    permission: env.S3_PERMISSION === undefined ? "public-read" : env.S3_PERMISSION || null,
    forceSingleRequest: bool("S3_FORCE_SINGLE_REQUEST", env.S3_FORCE_SINGLE_REQUEST, false),
  };
}

function cacheRemoteMediaFrom(value: string | undefined): MediaConfig["cacheRemoteMedia"] {
  const mode = (value || "receipt").toLowerCase();
  if (mode !== "receipt" && mode !== "view" && mode !== "never") {
    throw new ConfigError(`CACHE_REMOTE_MEDIA must be receipt, view or never, got "${value}"`);
  }
  return mode;
}

function smtpFrom(env: Env, localDomain: string): SmtpConfig | null {
  if (!env.SMTP_SERVER) return null;
  const starttls = (env.SMTP_ENABLE_STARTTLS ?? "auto").toLowerCase();
  if (starttls !== "auto" && starttls !== "always" && starttls !== "never") {
    throw new ConfigError(`SMTP_ENABLE_STARTTLS must be auto, always or never, got "${starttls}"`);
  }
  return {
    server: env.SMTP_SERVER,
    port: int("SMTP_PORT", env.SMTP_PORT, 587, 1, 65535),
    login: env.SMTP_LOGIN || null,
    password: env.SMTP_PASSWORD || null,
    fromAddress: env.SMTP_FROM_ADDRESS || `notifications@${localDomain.replace(/:\d+$/, "")}`,
    starttls,
    tls: bool("SMTP_TLS", env.SMTP_TLS, false),
  };
}

/** Parses the environment; throws ConfigError naming the variable at fault. */
export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const nodeEnv = env.NODE_ENV ?? "development";
  if (nodeEnv !== "production" && nodeEnv !== "development" && nodeEnv !== "test") {
    throw new ConfigError(`NODE_ENV must be production, development or test, got "${nodeEnv}"`);
  }
  const port = int("PORT", env.PORT, 3000, 0, 65535);
  const localDomain = (env.LOCAL_DOMAIN || `localhost:${port}`).toLowerCase();
  if (!domainSchema.safeParse(localDomain).success) {
    throw new ConfigError(`LOCAL_DOMAIN is not a valid domain name: "${localDomain}"`);
  }
  const webDomain = (env.WEB_DOMAIN || localDomain).toLowerCase();
  if (!domainSchema.safeParse(webDomain).success) {
    throw new ConfigError(`WEB_DOMAIN is not a valid domain name: "${webDomain}"`);
  }
  const https = bool("LOCAL_HTTPS", env.LOCAL_HTTPS, !isLocalhostName(webDomain));
  const secretKeyBase = env.SECRET_KEY_BASE || null;
  if (secretKeyBase !== null && secretKeyBase.length < 32) {
    throw new ConfigError("SECRET_KEY_BASE must be at least 32 characters long");
  }
  const logLevel = (env.LOG_LEVEL ?? (nodeEnv === "test" ? "silent" : "info")).toLowerCase();
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be debug, info, warn, error or silent, got "${logLevel}"`,
    );
  }
  const bind = env.BIND || "0.0.0.0";
  const streaming = env.STREAMING_API_BASE_URL || null;
  if (streaming !== null && !URL.canParse(streaming)) {
    throw new ConfigError("STREAMING_API_BASE_URL is not a valid URL");
  }
  return {
    env: nodeEnv,
    localDomain,
    webDomain,
    protocol: https ? "https:" : "http:",
    port,
    bind,
    dataDir: path.resolve(cwd, env.DATA_DIR || "data"),
    databaseUrl: databaseUrlFrom(env),
    dbPool: int("DB_POOL", env.DB_POOL, 5, 1, 1000),
    pageCacheMb: int("PAGE_CACHE_MB", env.PAGE_CACHE_MB, 32, 0, 4096),
    redisUrl: env.REDIS_URL || null,
    secretKeyBase,
    singleUserMode: bool("SINGLE_USER_MODE", env.SINGLE_USER_MODE, false),
    smtp: smtpFrom(env, localDomain),
    allowPrivateAddress: bool("ALLOW_PRIVATE_ADDRESS", env.ALLOW_PRIVATE_ADDRESS, false),
    logLevel: logLevel as Config["logLevel"],
    streamingApiBaseUrl: streaming,
    media: {
      s3: s3From(env),
      ffmpegBinary: env.FFMPEG_BINARY || "ffmpeg",
      ffprobeBinary: env.FFPROBE_BINARY || "ffprobe",
      cacheRemoteMedia: cacheRemoteMediaFrom(env.CACHE_REMOTE_MEDIA),
    },
  };
}

/** Reads `.env` from the working directory (if any) under the real environment, then parses. */
export function loadConfig(cwd = process.cwd()): Config {
  const file = path.join(cwd, ".env");
  if (existsSync(file)) {
    const before = { ...process.env };
    try {
      process.loadEnvFile(file);
    } catch {
      throw new ConfigError(".env could not be read: check its syntax");
    }
    // Variables already set in the environment win over .env, as dotenv does.
    Object.assign(process.env, before);
  }
  return parseConfig(process.env, cwd);
}

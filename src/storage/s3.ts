// Media files on S3-compatible object storage (AWS S3, MinIO, Garage,
// Backblaze B2, ...), configured with Mastodon's variables
// (https://docs.joinmastodon.org/admin/optional/object-storage/), and read by
// clients at S3_ALIAS_HOST or the bucket's own URL (urls.ts).
//
// Requests are signed with SigV4 by aws4fetch over fetch, addressing the
// bucket path-style (`<S3_ENDPOINT>/<bucket>/<key>`), which every
// S3-compatible server accepts. Files go up in one PUT each: Herd's files are
// at most 99 MB, under S3's 5 GB single-request limit, so
// S3_FORCE_SINGLE_REQUEST changes nothing here.
import { AwsClient } from "aws4fetch";
import type { S3Config } from "../config.ts";
import {
  assertValidKey,
  IMMUTABLE_CACHE_CONTROL,
  isValidPrefix,
  type MediaStorage,
} from "./storage.ts";

const TIMEOUT_MS = 15_000;
/** A 99 MB upload on a slow link. */
const PUT_TIMEOUT_MS = 120_000;

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

const tag = (xml: string, name: string): string | null => {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1] ?? "") : null;
};

async function failure(action: string, key: string, res: Response): Promise<Error> {
  const body = await res.text().catch(() => "");
  const code = tag(body, "Code");
  return new Error(`S3 ${action} ${key} failed: ${res.status}${code ? ` ${code}` : ""}`);
}

export function createS3Storage(s3: S3Config): MediaStorage {
  const client = new AwsClient({
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    service: "s3",
    region: s3.region,
    retries: 2,
  });
  const bucketUrl = `${s3.endpoint}/${encodeURIComponent(s3.bucket)}`;
  const objectUrl = (key: string) => {
    assertValidKey(key);
    return `${bucketUrl}/${key.split("/").map(encodeURIComponent).join("/")}`;
  };

  return {
    kind: "s3",

    async put(key, data, contentType) {
      const headers: Record<string, string> = {
        "Content-Type": contentType,
        "Cache-Control": IMMUTABLE_CACHE_CONTROL,
      };
      if (s3.permission) headers["x-amz-acl"] = s3.permission;
      const res = await client.fetch(objectUrl(key), {
        method: "PUT",
        headers,
        body: data as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(PUT_TIMEOUT_MS),
      });
      if (!res.ok) throw await failure("PUT", key, res);
      await res.body?.cancel();
    },

    async get(key) {
      const res = await client.fetch(objectUrl(key), { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw await failure("GET", key, res);
      return new Uint8Array(await res.arrayBuffer());
    },

    async delete(keys) {
      for (const key of keys) {
        const res = await client.fetch(objectUrl(key), {
          method: "DELETE",
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        // S3 answers 204 whether or not there was an object.
        if (!res.ok && res.status !== 404) throw await failure("DELETE", key, res);
        await res.body?.cancel();
      }
    },

    async usage(prefix) {
      if (!isValidPrefix(prefix)) throw new Error(`invalid storage prefix: ${prefix}`);
      const total = { files: 0, bytes: 0 };
      let token: string | null = null;
      do {
        const query = new URLSearchParams({ "list-type": "2", "max-keys": "1000" });
        if (prefix !== "") query.set("prefix", `${prefix}/`);
        if (token) query.set("continuation-token", token);
        const res = await client.fetch(`${bucketUrl}?${query}`, {
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (!res.ok) throw await failure("LIST", prefix, res);
        const xml = await res.text();
        for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          total.files++;
          total.bytes += Number(tag(m[1] ?? "", "Size") ?? 0);
        }
        token = tag(xml, "IsTruncated") === "true" ? tag(xml, "NextContinuationToken") : null;
      } while (token);
      return total;
    },
  };
}

// Upload-to-ready time of a 12-megapixel photo (issue P5): the real server
// (bin/start.js, embedded PostgreSQL) answers POST /api/v2/media with 200 once
// an image is processed (oriented, stripped, resized, blurhashed, stored), so
// the time to that answer is the time until it can be attached.
//
//   npx node bench/media.ts [--uploads=5]
import sharp from "sharp";
import {
  freePort,
  makeDataDir,
  removeDataDir,
  startServer,
  stopServer,
  userToken,
  type Server,
} from "./server.ts";
import { startScriptFlags } from "./social-server.ts";

const WIDTH = 4000;
const HEIGHT = 3000;

/** A camera-like JPEG: noise (so it does not compress to nothing), EXIF orientation 6. */
async function photo(): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

async function upload(server: Server, token: string, file: Buffer): Promise<number> {
  const body = new FormData();
  body.append("file", new File([new Uint8Array(file)], "photo.jpg", { type: "image/jpeg" }));
  body.append("description", "A bench photo");
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${server.port}/api/v2/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  const json = (await res.json()) as { url?: string | null };
  const ms = performance.now() - started;
  if (res.status !== 200 || !json.url) throw new Error(`upload answered ${res.status}`);
  return ms;
}

const uploads = Number(
  process.argv.find((a) => a.startsWith("--uploads="))?.slice("--uploads=".length) ?? 5,
);
const dataDir = makeDataDir();
const { server } = await startServer(
  { nodeFlags: startScriptFlags(), entry: "bin/start.js" },
  await freePort(),
  dataDir,
);
try {
  const token = await userToken(server, "write:media", "mediabench");
  const file = await photo();
  await upload(server, token, file); // warm: sharp loaded, caches filled
  const times: number[] = [];
  for (let i = 0; i < uploads; i++) times.push(await upload(server, token, file));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  process.stdout.write(
    `Herd media bench: ${WIDTH}x${HEIGHT} JPEG (${(file.length / 1048576).toFixed(1)} MiB, ` +
      `EXIF orientation 6), ${uploads} uploads after one warm-up\n` +
      `upload to ready (POST /api/v2/media answered 200), ms: ` +
      `min ${times[0]!.toFixed(0)}, median ${median.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}\n`,
  );
} finally {
  await stopServer(server);
  removeDataDir(dataDir);
}

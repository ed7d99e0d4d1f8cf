// The content type of a stored file, from the extension Herd gave it (the
// processing code chose the extension from the file's content, never from
// what the client said).
const TYPES: Record<string, string> = {
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  heic: "image/heic",
  heif: "image/heif",
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  ogv: "video/ogg",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  wav: "audio/wav",
  flac: "audio/flac",
  aac: "audio/aac",
  m4a: "audio/mp4",
  "3gp": "audio/3gpp",
  wma: "video/x-ms-asf",
};

export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf(".");
  const ext = dot < 0 ? "" : key.slice(dot + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

// Herd's limits, announced in the instance configuration
// (https://docs.joinmastodon.org/entities/Instance/#configuration) and
// enforced by the code that accepts statuses, media, polls and profiles.
// They are Mastodon's defaults, so clients built for Mastodon fit.
export const STATUS_LIMITS = {
  maxCharacters: 500,
  maxMediaAttachments: 4,
  charactersReservedPerUrl: 23,
} as const;

export const MEDIA_LIMITS = {
  imageSizeLimit: 16 * 1024 * 1024,
  imageMatrixLimit: 33_177_600, // 7680x4320
  videoSizeLimit: 99 * 1024 * 1024,
  videoFrameRateLimit: 120,
  videoMatrixLimit: 8_294_400, // 3840x2160
  descriptionLimit: 1500,
} as const;

export const SUPPORTED_MIME_TYPES: readonly string[] = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/heic",
  "image/heif",
  "image/webp",
  "image/avif",
  "video/webm",
  "video/mp4",
  "video/quicktime",
  "video/ogg",
  "audio/wave",
  "audio/wav",
  "audio/x-wav",
  "audio/x-pn-wave",
  "audio/vnd.wave",
  "audio/ogg",
  "audio/vorbis",
  "audio/mpeg",
  "audio/mp3",
  "audio/webm",
  "audio/flac",
  "audio/aac",
  "audio/m4a",
  "audio/x-m4a",
  "audio/mp4",
  "audio/3gpp",
  "video/x-ms-asf",
];

export const POLL_LIMITS = {
  maxOptions: 4,
  maxCharactersPerOption: 50,
  minExpiration: 300, // 5 minutes
  maxExpiration: 2_629_746, // a month
} as const;

export const ACCOUNT_LIMITS = {
  maxDisplayNameLength: 30,
  maxNoteLength: 500,
  maxFeaturedTags: 10,
  maxPinnedStatuses: 5,
  maxProfileFields: 4,
  profileFieldNameLimit: 255,
  profileFieldValueLimit: 255,
} as const;

// The checks Mastodon's MediaAttachment model makes before processing, with
// its messages: a file is required, of a supported type (from its content),
// under the size limit of its kind; descriptions are at most 1,500
// characters. They are collected and answered together, as Rails does:
// "Validation failed: File content type is invalid, File is invalid".
import { MEDIA_LIMITS } from "../instance/limits.ts";
import { addError, type Details } from "../accounts/create-local-account.ts";
import { detectType, type DetectedType } from "./detect-type.ts";

/** MediaAttachment::IMAGE_LIMIT and VIDEO_LIMIT (validates_attachment_size ... less_than). */
export function sizeLimitOf(type: DetectedType): number {
  return type.kind === "image" ? MEDIA_LIMITS.imageSizeLimit : MEDIA_LIMITS.videoSizeLimit;
}

/** ActiveSupport's number_to_human_size: "16 MB", "1.5 KB", "999 Bytes". */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "Byte" : "Bytes"}`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/**
 * Checks an uploaded file (attribute `file` or `thumbnail`, `avatar`,
 * `header`): present, of a type `accept` allows, under `limit(type)` bytes.
 * Answers its type when it passed.
 */
export function checkUpload(
  details: Details,
  field: string,
  data: Uint8Array | null | undefined,
  options: {
    required: boolean;
    accept: (type: DetectedType) => boolean;
    limit: (type: DetectedType) => number;
  },
): DetectedType | null {
  if (!data || data.length === 0) {
    if (options.required) addError(details, field, "ERR_BLANK", "can't be blank");
    return null;
  }
  const type = detectType(data);
  if (!type || !options.accept(type)) {
    addError(details, `${field}_content_type`, "ERR_INVALID", "is invalid");
    addError(details, field, "ERR_INVALID", "is invalid");
    return null;
  }
  const limit = options.limit(type);
  if (data.length >= limit) {
    addError(details, `${field}_file_size`, "ERR_TOO_BIG", `must be less than ${humanSize(limit)}`);
    return null;
  }
  return type;
}

export function checkDescription(details: Details, description: string | null | undefined) {
  if (description && [...description].length > MEDIA_LIMITS.descriptionLimit) {
    addError(
      details,
      "description",
      "ERR_TOO_LONG",
      `is too long (maximum is ${MEDIA_LIMITS.descriptionLimit} characters)`,
    );
  }
}

/** Ruby's String#to_f: the leading decimal number, or 0. */
function toFloat(text: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(text);
  return m ? Number(m[0]) : 0;
}

/**
 * MediaAttachment#focus=: "x,y", each read as Ruby's to_f would; a blank
 * value changes nothing. Herd also keeps each within [-1, 1], the range the
 * API defines (https://docs.joinmastodon.org/api/guidelines/#focal-points).
 */
export function parseFocus(value: string | null | undefined): { x: number; y: number } | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const [x = "", y = ""] = value.split(",");
  const clamp = (n: number) => Math.min(1, Math.max(-1, Number.isFinite(n) ? n : 0));
  return { x: clamp(toFloat(x)), y: clamp(toFloat(y)) };
}

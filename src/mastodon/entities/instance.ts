// Instance (https://docs.joinmastodon.org/entities/Instance/), as
// REST::InstanceSerializer, for GET /api/v2/instance. The parts V1::Instance
// shares (limits, registrations) live here too.
import type { Config } from "../../config.ts";
import type { InstanceInfo } from "../../domain/instance/instance-info.ts";
import { registrationsEnabled } from "../../domain/instance/instance-info.ts";
import {
  ACCOUNT_LIMITS,
  MEDIA_LIMITS,
  POLL_LIMITS,
  STATUS_LIMITS,
  SUPPORTED_MIME_TYPES,
} from "../../domain/instance/limits.ts";
import { renderMarkdown } from "../../domain/instance/markdown.ts";
import {
  MASTODON_API_VERSION,
  SOURCE_URL,
  VERSION_STRING,
} from "../../domain/instance/software.ts";
import type { Urls } from "../../urls.ts";
import { serializeAccount, type Account } from "./account.ts";
import { serializeRule, type Rule } from "./instance-rule.ts";

type FeedAccess = "public" | "authenticated" | "disabled";

export interface InstanceIcon {
  src: string;
  size: string;
}

export interface Instance {
  domain: string;
  title: string;
  version: string;
  source_url: string;
  description: string;
  usage: { users: { active_month: number } };
  thumbnail: {
    url: string;
    description?: string;
    blurhash?: string;
    versions?: { "@1x": string; "@2x": string };
  };
  icon: InstanceIcon[];
  languages: string[];
  configuration: {
    urls: {
      streaming: string;
      status: string | null;
      about: string;
      privacy_policy: string;
      terms_of_service: string | null;
    };
    vapid: { public_key: string };
    accounts: {
      max_display_name_length: number;
      max_note_length: number;
      max_featured_tags: number;
      max_pinned_statuses: number;
      max_profile_fields: number;
      profile_field_name_limit: number;
      profile_field_value_limit: number;
    };
    statuses: {
      max_characters: number;
      max_media_attachments: number;
      characters_reserved_per_url: number;
    };
    media_attachments: {
      description_limit: number;
      image_matrix_limit: number;
      image_size_limit: number;
      supported_mime_types: string[];
      video_frame_rate_limit: number;
      video_matrix_limit: number;
      video_size_limit: number;
    };
    polls: {
      max_options: number;
      max_characters_per_option: number;
      min_expiration: number;
      max_expiration: number;
    };
    translation: { enabled: boolean };
    timelines_access: {
      live_feeds: { local: FeedAccess; remote: FeedAccess };
      hashtag_feeds: { local: FeedAccess; remote: FeedAccess };
      trending_link_feeds: { local: FeedAccess; remote: FeedAccess };
    };
    limited_federation: boolean;
  };
  registrations: {
    enabled: boolean;
    approval_required: boolean;
    reason_required: boolean;
    message: string | null;
    min_age: number | null;
    url: string | null;
  };
  api_versions: { mastodon: number };
  contact: { email: string; account: Account | null };
  rules: Rule[];
  wrapstodon: string | null;
}

export type InstanceConfig = Pick<Config, "localDomain" | "singleUserMode">;

/** The default server thumbnail Herd serves (public/images/preview.png). */
export const thumbnailUrl = (urls: Urls) => `${urls.base}/images/preview.png`;

export function statusLimits() {
  return {
    max_characters: STATUS_LIMITS.maxCharacters,
    max_media_attachments: STATUS_LIMITS.maxMediaAttachments,
    characters_reserved_per_url: STATUS_LIMITS.charactersReservedPerUrl,
  };
}

export function pollLimits() {
  return {
    max_options: POLL_LIMITS.maxOptions,
    max_characters_per_option: POLL_LIMITS.maxCharactersPerOption,
    min_expiration: POLL_LIMITS.minExpiration,
    max_expiration: POLL_LIMITS.maxExpiration,
  };
}

export function serializeContactAccount(info: InstanceInfo, urls: Urls): Account | null {
  return info.contactAccount ? serializeAccount(info.contactAccount, urls) : null;
}

export function serializeInstance(
  info: InstanceInfo,
  config: InstanceConfig,
  urls: Urls,
): Instance {
  const { settings } = info;
  const enabled = registrationsEnabled(settings, config.singleUserMode);
  // Herd has one switch for anonymous access to feeds (`timeline_preview`);
  // Mastodon 4.5 splits it by feed and origin.
  const access: FeedAccess = settings.timeline_preview ? "public" : "authenticated";
  const feeds = { local: access, remote: access };
  return {
    domain: config.localDomain,
    title: settings.site_title,
    version: VERSION_STRING,
    source_url: SOURCE_URL,
    description: settings.site_short_description,
    usage: { users: { active_month: info.stats.activeMonth } },
    thumbnail: { url: thumbnailUrl(urls), description: "" },
    icon: [],
    languages: ["en"],
    configuration: {
      urls: {
        streaming: urls.streaming,
        status: settings.status_page_url || null,
        about: `${urls.base}/about`,
        privacy_policy: `${urls.base}/privacy-policy`,
        terms_of_service: info.hasTermsOfService ? `${urls.base}/terms-of-service` : null,
      },
      // Web Push arrives with its own issue; until then there is no key.
      vapid: { public_key: "" },
      accounts: {
        max_display_name_length: ACCOUNT_LIMITS.maxDisplayNameLength,
        max_note_length: ACCOUNT_LIMITS.maxNoteLength,
        max_featured_tags: ACCOUNT_LIMITS.maxFeaturedTags,
        max_pinned_statuses: ACCOUNT_LIMITS.maxPinnedStatuses,
        max_profile_fields: ACCOUNT_LIMITS.maxProfileFields,
        profile_field_name_limit: ACCOUNT_LIMITS.profileFieldNameLimit,
        profile_field_value_limit: ACCOUNT_LIMITS.profileFieldValueLimit,
      },
      statuses: statusLimits(),
      media_attachments: {
        description_limit: MEDIA_LIMITS.descriptionLimit,
        image_matrix_limit: MEDIA_LIMITS.imageMatrixLimit,
        image_size_limit: MEDIA_LIMITS.imageSizeLimit,
        supported_mime_types: [...SUPPORTED_MIME_TYPES],
        video_frame_rate_limit: MEDIA_LIMITS.videoFrameRateLimit,
        video_matrix_limit: MEDIA_LIMITS.videoMatrixLimit,
        video_size_limit: MEDIA_LIMITS.videoSizeLimit,
      },
      polls: pollLimits(),
      translation: { enabled: false },
      timelines_access: { live_feeds: feeds, hashtag_feeds: feeds, trending_link_feeds: feeds },
      limited_federation: false,
    },
    registrations: {
      enabled,
      approval_required: settings.registrations_mode === "approved",
      reason_required: settings.registrations_mode === "approved" && settings.require_invite_text,
      message:
        enabled || settings.closed_registrations_message.trim() === ""
          ? null
          : renderMarkdown(settings.closed_registrations_message),
      min_age: null,
      url: null,
    },
    api_versions: { mastodon: MASTODON_API_VERSION },
    contact: {
      email: settings.site_contact_email,
      account: serializeContactAccount(info, urls),
    },
    rules: info.rules.map(serializeRule),
    wrapstodon: null,
  };
}

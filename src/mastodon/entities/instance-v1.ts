// V1::Instance (https://docs.joinmastodon.org/entities/V1_Instance/), as
// REST::V1::InstanceSerializer, for the deprecated GET /api/v1/instance that
// many clients still read first.
import { can, EVERYONE, PERMISSIONS } from "../../domain/accounts/roles.ts";
import type { InstanceInfo } from "../../domain/instance/instance-info.ts";
import { registrationsEnabled } from "../../domain/instance/instance-info.ts";
import {
  ACCOUNT_LIMITS,
  MEDIA_LIMITS,
  SUPPORTED_MIME_TYPES,
} from "../../domain/instance/limits.ts";
import { VERSION_STRING } from "../../domain/instance/software.ts";
import type { Urls } from "../../urls.ts";
import type { Account } from "./account.ts";
import {
  pollLimits,
  serializeContactAccount,
  statusLimits,
  thumbnailUrl,
  type InstanceConfig,
} from "./instance.ts";
import { serializeRule, type Rule } from "./instance-rule.ts";

export interface V1Instance {
  uri: string;
  title: string;
  short_description: string;
  description: string;
  email: string;
  version: string;
  urls: { streaming_api: string };
  stats: { user_count: number; status_count: number; domain_count: number };
  thumbnail: string | null;
  languages: string[];
  registrations: boolean;
  approval_required: boolean;
  invites_enabled: boolean;
  configuration: {
    accounts: { max_featured_tags: number };
    statuses: ReturnType<typeof statusLimits>;
    media_attachments: {
      supported_mime_types: string[];
      image_size_limit: number;
      image_matrix_limit: number;
      video_size_limit: number;
      video_frame_rate_limit: number;
      video_matrix_limit: number;
    };
    polls: ReturnType<typeof pollLimits>;
  };
  contact_account: Account | null;
  rules: Rule[];
}

export function serializeV1Instance(
  info: InstanceInfo,
  config: InstanceConfig,
  urls: Urls,
): V1Instance {
  const { settings, stats } = info;
  return {
    uri: config.localDomain,
    title: settings.site_title,
    short_description: settings.site_short_description,
    // Mastodon fills this from a legacy setting that is usually empty; Herd
    // has only the short description, which is the better thing to show.
    description: settings.site_short_description,
    email: settings.site_contact_email,
    version: VERSION_STRING,
    urls: { streaming_api: urls.streaming },
    stats: {
      user_count: stats.userCount,
      status_count: stats.statusCount,
      domain_count: stats.domainCount,
    },
    thumbnail: thumbnailUrl(urls),
    languages: ["en"],
    registrations: registrationsEnabled(settings, config.singleUserMode),
    approval_required: settings.registrations_mode === "approved",
    invites_enabled: can(EVERYONE, PERMISSIONS.inviteUsers),
    configuration: {
      accounts: { max_featured_tags: ACCOUNT_LIMITS.maxFeaturedTags },
      statuses: statusLimits(),
      media_attachments: {
        supported_mime_types: [...SUPPORTED_MIME_TYPES],
        image_size_limit: MEDIA_LIMITS.imageSizeLimit,
        image_matrix_limit: MEDIA_LIMITS.imageMatrixLimit,
        video_size_limit: MEDIA_LIMITS.videoSizeLimit,
        video_frame_rate_limit: MEDIA_LIMITS.videoFrameRateLimit,
        video_matrix_limit: MEDIA_LIMITS.videoMatrixLimit,
      },
      polls: pollLimits(),
    },
    contact_account: serializeContactAccount(info, urls),
    rules: info.rules.map(serializeRule),
  };
}

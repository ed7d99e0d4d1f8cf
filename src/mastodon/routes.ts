// Every client API route module, in one list.
import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";
import { registerAppsRoutes } from "./v1/apps.ts";
import { registerInstanceRoutes } from "./v1/instance.ts";
import { registerInstanceV2Routes } from "./v2/instance.ts";
import { registerCustomEmojiRoutes } from "./v1/custom-emojis.ts";
import { registerPlaceholderRoutes } from "./v1/placeholders.ts";
import { registerAccountsRoutes } from "./v1/accounts.ts";
import { registerStatusesRoutes } from "./v1/statuses.ts";
import { registerAccountStatusesRoutes } from "./v1/account-statuses.ts";
import { registerStatusInteractionRoutes } from "./v1/statuses-interactions.ts";
import { registerBookmarksRoutes } from "./v1/bookmarks.ts";
import { registerFavouritesRoutes } from "./v1/favourites.ts";
import { registerNotificationsRoutes } from "./v1/notifications.ts";
import { registerNotificationsV2Routes } from "./v2/notifications.ts";
import { registerConversationsRoutes } from "./v1/conversations.ts";
import { registerFollowRequestsRoutes } from "./v1/follow-requests.ts";
import { registerBlocksRoutes } from "./v1/blocks.ts";
import { registerMutesRoutes } from "./v1/mutes.ts";
import { registerDomainBlocksRoutes } from "./v1/domain-blocks.ts";
import { registerEndorsementsRoutes } from "./v1/endorsements.ts";
import { registerFeaturedTagsRoutes } from "./v1/featured-tags.ts";
import { registerTagsRoutes } from "./v1/tags.ts";
import { registerFollowedTagsRoutes } from "./v1/followed-tags.ts";
import { registerTimelinesRoutes } from "./v1/timelines.ts";
import { registerListsRoutes } from "./v1/lists.ts";
import { registerAccountListsRoutes } from "./v1/account-lists.ts";
import { registerMarkersRoutes } from "./v1/markers.ts";

export function registerMastodonRoutes(app: Hono<HerdEnv>): void {
  registerAppsRoutes(app);
  registerInstanceRoutes(app);
  registerInstanceV2Routes(app);
  registerCustomEmojiRoutes(app);
  registerAccountStatusesRoutes(app);
  registerAccountListsRoutes(app);
  registerAccountsRoutes(app);
  registerStatusesRoutes(app);
  registerStatusInteractionRoutes(app);
  registerBookmarksRoutes(app);
  registerFavouritesRoutes(app);
  registerNotificationsRoutes(app);
  registerNotificationsV2Routes(app);
  registerConversationsRoutes(app);
  registerFollowRequestsRoutes(app);
  registerBlocksRoutes(app);
  registerMutesRoutes(app);
  registerDomainBlocksRoutes(app);
  registerEndorsementsRoutes(app);
  registerFeaturedTagsRoutes(app);
  registerTagsRoutes(app);
  registerFollowedTagsRoutes(app);
  registerTimelinesRoutes(app);
  registerListsRoutes(app);
  registerMarkersRoutes(app);
  // Keep last: answers for features not built yet; real routes above win.
  registerPlaceholderRoutes(app);
}

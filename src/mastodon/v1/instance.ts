// GET /api/v1/instance and its sub-resources
// (https://docs.joinmastodon.org/methods/instance/). All public: Mastodon asks
// for a token only in limited-federation mode, which Herd does not have.
import type { Context, Hono } from "hono";
import { getWeeklyActivity } from "../../domain/instance/activity.ts";
import {
  getExtendedDescription,
  getPrivacyPolicy,
  getTermsOfService,
} from "../../domain/instance/documents.ts";
import { listPublicDomainBlocks } from "../../domain/instance/domain-blocks.ts";
import { listPeers } from "../../domain/instance/peers.ts";
import { listRules } from "../../domain/instance/rules.ts";
import { getSettings } from "../../domain/instance/settings.ts";
import { userSignedIn } from "../../http/auth.ts";
import {
  cacheEvenIfAuthenticated,
  cacheIfUnauthenticated,
  deprecatedSince,
} from "../../http/cache-control.ts";
import type { HerdEnv } from "../../http/env.ts";
import { jsonText } from "../../http/json-text.ts";
import { withoutDefaultHeader } from "../../http/front.ts";
import { urlsFor } from "../../urls.ts";
import {
  serializeActivity,
  serializeExtendedDescription,
  serializePrivacyPolicy,
  serializeTermsOfService,
} from "../entities/instance-documents.ts";
import { serializeDomainBlock } from "../entities/instance-domain-block.ts";
import { serializeRule } from "../entities/instance-rule.ts";
import { instanceJson } from "../entities/instance-json.ts";

/**
 * Mastodon's `head 404`: a switched-off API answers 404 with no body (and,
 * as every answer of Instances::BaseController, no Vary).
 */
const switchedOff = (c: Context<HerdEnv>) => {
  withoutDefaultHeader(c, "vary");
  return c.body(null, 404);
};

export function registerInstanceRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/instance", async (c) => {
    const deps = c.get("deps");
    const json = await instanceJson(deps, "v1", urlsFor(deps.config));
    // Deprecated in favour of /api/v2/instance (Api::V1::InstancesController).
    deprecatedSince(c, "2022-11-14");
    cacheEvenIfAuthenticated(c);
    return jsonText(c, json);
  });

  app.get("/api/v1/instance/peers", async (c) => {
    const { db } = c.get("deps").database;
    const settings = await getSettings(db);
    if (!settings.peers_api_enabled) return switchedOff(c);
    cacheEvenIfAuthenticated(c);
    return c.json(await listPeers(db));
  });

  app.get("/api/v1/instance/activity", async (c) => {
    const { db } = c.get("deps").database;
    const settings = await getSettings(db);
    if (!settings.activity_api_enabled) return switchedOff(c);
    const weeks = await getWeeklyActivity(db);
    cacheEvenIfAuthenticated(c);
    return c.json(weeks.map(serializeActivity));
  });

  app.get("/api/v1/instance/rules", async (c) => {
    const rules = await listRules(c.get("deps").database.db);
    cacheEvenIfAuthenticated(c);
    return c.json(rules.map(serializeRule));
  });

  app.get("/api/v1/instance/extended_description", async (c) => {
    const doc = await getExtendedDescription(c.get("deps").database.db);
    cacheEvenIfAuthenticated(c);
    return c.json(serializeExtendedDescription(doc));
  });

  app.get("/api/v1/instance/privacy_policy", async (c) => {
    const { config, database } = c.get("deps");
    const doc = await getPrivacyPolicy(database.db, config.localDomain);
    cacheEvenIfAuthenticated(c);
    return c.json(serializePrivacyPolicy(doc));
  });

  app.get("/api/v1/instance/terms_of_service", async (c) => {
    const { config, database } = c.get("deps");
    const terms = await getTermsOfService(database.db, config.localDomain);
    cacheEvenIfAuthenticated(c);
    return c.json(serializeTermsOfService(terms));
  });

  app.get("/api/v1/instance/terms_of_service/:date", async (c) => {
    const { config, database } = c.get("deps");
    const terms = await getTermsOfService(database.db, config.localDomain, c.req.param("date"));
    cacheEvenIfAuthenticated(c);
    return c.json(serializeTermsOfService(terms));
  });

  // Shown to everyone, to signed-in users, or to no one, as the admin chose
  // (show_domain_blocks); the same for the public comments
  // (show_domain_blocks_rationale).
  app.get("/api/v1/instance/domain_blocks", async (c) => {
    const { db } = c.get("deps").database;
    const settings = await getSettings(db);
    const signedIn = userSignedIn(c);
    const visible = (mode: "all" | "users" | "disabled") =>
      mode === "all" || (mode === "users" && signedIn);
    if (!visible(settings.show_domain_blocks)) return switchedOff(c);
    const withComment = visible(settings.show_domain_blocks_rationale);
    const blocks = await listPublicDomainBlocks(db);
    // Mastodon makes this answer public whoever asks when everyone may see
    // the blocks, even if signed-in users see comments that others do not;
    // Herd does only when the answer is the same for everyone.
    if (settings.show_domain_blocks === "all") {
      if (settings.show_domain_blocks_rationale === "users") cacheIfUnauthenticated(c);
      else cacheEvenIfAuthenticated(c);
    }
    return c.json(blocks.map((b) => serializeDomainBlock(b, withComment)));
  });

  // No translation service is configured: no language pairs.
  app.get("/api/v1/instance/translation_languages", (c) => {
    cacheEvenIfAuthenticated(c);
    return c.json({});
  });
}

// A realistic social data set for bench/social.ts, written straight into
// PostgreSQL with set-based statements (generate_series, INSERT … SELECT):
// local accounts with confirmed users and known tokens, a follow graph with a
// few popular accounts, statuses spread over 30 days (replies, boosts,
// mentions, hashtags, every visibility), favourites, the counters, and the
// home feed entries the fan-out would have written. Then VACUUM ANALYZE.
//
// Ids are made as Herd makes them, (milliseconds << 16) | sequence, with
// times in the past, so that statuses posted during the bench are the newest.
// Pseudo-random choices come from hashint8(), so a given scale always makes
// the same data set.
import type pg from "pg";

export interface SeedScale {
  /** Regular local accounts (besides the poster and the loner). */
  accounts: number;
  /** Random follows each regular account makes. */
  followsEach: number;
  /** Original statuses (boosts come on top: 5% of this). */
  statuses: number;
  favourites: number;
}

export const FULL_SCALE: SeedScale = {
  accounts: 10_000,
  followsEach: 8,
  statuses: 200_000,
  favourites: 100_000,
};

export const SMALL_SCALE: SeedScale = {
  accounts: 1_000,
  followsEach: 8,
  statuses: 20_000,
  favourites: 10_000,
};

export interface Seeded {
  /** Followed by every regular account. */
  posterId: string;
  posterToken: string;
  /** Followed by nobody, follows nobody. */
  lonerId: string;
  lonerToken: string;
  /** A regular account that reads its home timeline. */
  readerId: string;
  readerToken: string;
  /** A public status with a mention and a hashtag, favourited by some. */
  sampleStatusId: string;
  rows: Record<string, number>;
  steps: { step: string; ms: number }[];
}

const DAY = 86_400_000;
/** Statuses of the poster among the seeded ones. */
const POSTER_STATUSES = 20;
/** Hashtags used. */
const TAGS = 100;
const LOREM =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
  "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud.";

/** The token of regular account `g` (1-based), the poster (accounts + 1) or the loner (+ 2). */
export const tokenOf = (g: number) => `bench-social-token-${g}`;

/**
 * Seeds the (migrated, empty) database `client` is connected to. `base` is
 * the server's URL base (http://localhost:PORT) for the stored URIs.
 */
export async function seed(
  client: pg.Client,
  scale: SeedScale,
  base: string,
  log: (message: string) => void,
): Promise<Seeded> {
  const N = scale.accounts;
  const NS = scale.statuses;
  const POSTER = N + 1;
  const LONER = N + 2;
  const now = Date.now();
  // Originals from T0 to an hour ago, one every `step` ms; accounts 60 days older.
  const T0 = now - 30 * DAY - 3_600_000;
  const step = Math.floor((30 * DAY) / NS);
  const A0 = T0 - 60 * DAY;
  const steps: Seeded["steps"] = [];

  const run = async (step: string, text: string, values: unknown[] = []) => {
    const started = performance.now();
    const result = await client.query(text, values);
    const ms = Math.round(performance.now() - started);
    steps.push({ step, ms });
    log(`seed: ${step} (${result.rowCount ?? 0} rows, ${ms} ms)`);
    return result;
  };

  // Bulk loading: skip the foreign-key triggers (every reference is made
  // valid by construction), as pg_restore does. Needs a superuser; without
  // one the checks simply run.
  await client.query("SET session_replication_role = replica").catch(() => undefined);
  await client.query("SET synchronous_commit = off");

  const acc = (g: string) => `((${A0}::bigint + ${g}) << 16)`;
  // A pseudo-random non-negative integer from (x, salt).
  const h = (x: string, salt: number) =>
    `(hashint8((${x})::bigint * 31 + ${salt}) & 2147483647)::bigint`;

  await run(
    "accounts",
    `INSERT INTO accounts (id, username, display_name, note, note_source, created_at, updated_at)
     SELECT ${acc("g")},
       CASE g WHEN ${POSTER} THEN 'poster' WHEN ${LONER} THEN 'loner' ELSE 'u' || g END,
       'User ' || g, '<p>Bio of user ' || g || '</p>', 'Bio of user ' || g,
       to_timestamp((${A0} + g) / 1000.0), to_timestamp((${A0} + g) / 1000.0)
     FROM generate_series(1::bigint, ${LONER}) g`,
  );
  await run(
    "users",
    `INSERT INTO users (id, account_id, email, encrypted_password, confirmed_at, approved,
       agreement, locale, created_at, updated_at)
     SELECT ${acc("g")} + 1, ${acc("g")}, 'u' || g || '@bench.test', '!', now(), true, true, 'en',
       now(), now()
     FROM generate_series(1::bigint, ${LONER}) g`,
  );
  const appId = `(${A0}::bigint << 16) + 3`;
  await run(
    "application",
    `INSERT INTO oauth_applications (id, name, website, redirect_uri, scopes, client_id,
       client_secret_digest)
     VALUES (${appId}, 'Bench', 'https://bench.example', 'urn:ietf:wg:oauth:2.0:oob',
       'read write follow push', 'bench-social', '!')`,
  );
  await run(
    "tokens",
    `INSERT INTO oauth_access_tokens (id, token_digest, application_id, user_id, scopes, last_used_at)
     SELECT ${acc("g")} + 2, encode(sha256(convert_to('bench-social-token-' || g, 'UTF8')), 'hex'),
       ${appId}, ${acc("g")} + 1, 'read write follow push', now()
     FROM generate_series(1::bigint, ${LONER}) g`,
  );

  // The follow graph: everyone follows the poster; accounts 1–4 are followed
  // by 50%, 20%, 10% and 5% of everyone; each account follows `followsEach`
  // others at random.
  const popular = [0.5, 0.2, 0.1, 0.05]
    .map(
      (share, i) => `SELECT g AS follower, ${i + 1} AS target
        FROM generate_series(5::bigint, ${4 + Math.floor(N * share)}) g`,
    )
    .join(" UNION ALL ");
  await run(
    "follows",
    `INSERT INTO follows (id, account_id, target_account_id, created_at, updated_at)
     SELECT ((${A0}::bigint + ${DAY}) << 16) + row_number() OVER (), ${acc("follower")},
       ${acc("target")}, now(), now()
     FROM (
       SELECT g AS follower, ${POSTER} AS target FROM generate_series(1::bigint, ${N}) g
       UNION ALL ${popular}
       UNION ALL SELECT g, 1 + ${h(`g * ${scale.followsEach} + j`, 20)} % ${N}
         FROM generate_series(1::bigint, ${N}) g, generate_series(1::bigint, ${scale.followsEach}) j
     ) f
     WHERE follower <> target
     ON CONFLICT DO NOTHING`,
  );

  // The originals, staged with their pseudo-random choices.
  await run(
    "staged statuses",
    `CREATE TEMP TABLE ss AS
     SELECT g, ((${T0}::bigint + g * ${step}) << 16) AS id, ${T0}::bigint + g * ${step} AS ms,
       CASE WHEN g % ${Math.floor(NS / POSTER_STATUSES)} = 0 THEN ${POSTER}
            ELSE 1 + ${h("g", 1)} % ${N} END AS author,
       CASE WHEN ${h("g", 2)} % 100 < 3 THEN 'direct'
            WHEN ${h("g", 2)} % 100 < 10 THEN 'private'
            WHEN ${h("g", 2)} % 100 < 20 THEN 'unlisted' ELSE 'public' END AS visibility,
       CASE WHEN g > 100 AND ${h("g", 3)} % 100 < 10
            THEN g - 1 - ${h("g", 4)} % least(g - 1, 1000) END AS parent,
       CASE WHEN ${h("g", 6)} % 100 < 5 THEN 1 + ${h("g", 7)} % ${TAGS} END AS tag,
       1 + ${h("g", 5)} % ${N} AS mentioned
     FROM generate_series(1::bigint, ${NS}) g`,
  );
  // Direct statuses and one in ten others mention someone (not their author).
  await client.query(`UPDATE ss SET mentioned = CASE
      WHEN visibility <> 'direct' AND ${h("g", 8)} % 10 <> 0 THEN NULL
      WHEN mentioned = author THEN 1 + mentioned % ${N} ELSE mentioned END`);
  await client.query("CREATE INDEX ON ss (g); ANALYZE ss");

  await run(
    "conversations",
    `INSERT INTO conversations (id, created_at) SELECT id, to_timestamp(ms / 1000.0) FROM ss`,
  );
  const profile = (g: string) =>
    `'${base}/@' || CASE ${g} WHEN ${POSTER} THEN 'poster' ELSE 'u' || ${g} END`;
  await run(
    "statuses",
    `INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id,
       conversation_id, text, content, visibility, language, application_id, local,
       created_at, updated_at)
     SELECT s.id,
       '${base}/users/' || CASE s.author WHEN ${POSTER} THEN 'poster' ELSE 'u' || s.author END
         || '/statuses/' || s.id,
       ${profile("s.author")} || '/' || s.id,
       ${acc("s.author")}, p.id, ${acc("p.author")}, coalesce(p.id, s.id),
       CASE WHEN s.mentioned IS NOT NULL THEN '@u' || s.mentioned || ' ' ELSE '' END
         || 'Status ' || s.g || ': ${LOREM}'
         || CASE WHEN s.tag IS NOT NULL THEN ' #tag' || s.tag ELSE '' END,
       '<p>' || CASE WHEN s.mentioned IS NOT NULL THEN '<span class="h-card" translate="no"><a href="'
           || ${profile("s.mentioned")} || '" class="u-url mention">@<span>u' || s.mentioned
           || '</span></a></span> ' ELSE '' END
         || 'Status ' || s.g || ': ${LOREM}'
         || CASE WHEN s.tag IS NOT NULL THEN ' <a href="${base}/tags/tag' || s.tag
           || '" class="mention hashtag" rel="tag">#<span>tag' || s.tag || '</span></a>' ELSE '' END
         || '</p>',
       s.visibility, 'en', ${appId}, true,
       to_timestamp(s.ms / 1000.0), to_timestamp(s.ms / 1000.0)
     FROM ss s LEFT JOIN ss p ON p.g = s.parent`,
  );
  await run(
    "mentions",
    `INSERT INTO mentions (id, status_id, account_id, created_at)
     SELECT id + 1, id, ${acc("mentioned")}, to_timestamp(ms / 1000.0) FROM ss
     WHERE mentioned IS NOT NULL`,
  );
  await run(
    "tags",
    `INSERT INTO tags (id, name, display_name, created_at, updated_at)
     SELECT (${A0}::bigint << 16) + t, 'tag' || t, 'Tag' || t, now(), now()
     FROM generate_series(1::bigint, ${TAGS}) t`,
  );
  await run(
    "statuses_tags",
    `INSERT INTO statuses_tags (status_id, tag_id)
     SELECT id, (${A0}::bigint << 16) + tag FROM ss WHERE tag IS NOT NULL`,
  );

  // Boosts of public and unlisted statuses by others, up to a day later.
  const NB = Math.floor(NS / 20);
  await run(
    "boosts",
    `INSERT INTO statuses (id, uri, account_id, reblog_of_id, visibility, language, local,
       created_at, updated_at)
     SELECT (b.ms << 16) | 32768 | (b.k & 32767),
       '${base}/users/u' || b.booster || '/statuses/' || ((b.ms << 16) | 32768 | (b.k & 32767))
         || '/activity',
       ${acc("b.booster")}, o.id, o.visibility, NULL, true,
       to_timestamp(b.ms / 1000.0), to_timestamp(b.ms / 1000.0)
     FROM (
       SELECT k, 1 + ${h("k", 11)} % ${N} AS booster, 1 + ${h("k", 12)} % ${NS} AS g,
         least(${T0}::bigint + (1 + ${h("k", 12)} % ${NS}) * ${step} + 1 + ${h("k", 13)} % ${DAY},
               ${now - 1_800_000}::bigint) AS ms
       FROM generate_series(1::bigint, ${NB}) k
     ) b JOIN ss o ON o.g = b.g
     WHERE o.visibility IN ('public', 'unlisted') AND o.author <> b.booster
     ON CONFLICT DO NOTHING`,
  );
  await run(
    "favourites",
    `INSERT INTO favourites (id, account_id, status_id, created_at)
     SELECT ((${A0}::bigint + 2 * ${DAY}) << 16) + k, ${acc(`1 + ${h("k", 30)} % ${N}`)}, s.id, now()
     FROM generate_series(1::bigint, ${scale.favourites}) k
       JOIN ss s ON s.g = 1 + ${h("k", 31)} % ${NS}
     WHERE s.visibility IN ('public', 'unlisted')
     ON CONFLICT DO NOTHING`,
  );

  await run(
    "status counters",
    `UPDATE statuses s SET
       replies_count = coalesce(r.n, 0), reblogs_count = coalesce(b.n, 0),
       favourites_count = coalesce(f.n, 0)
     FROM statuses s0
       LEFT JOIN (SELECT in_reply_to_id AS id, count(*) AS n FROM statuses
                  WHERE in_reply_to_id IS NOT NULL AND visibility IN ('public', 'unlisted')
                  GROUP BY 1) r ON r.id = s0.id
       LEFT JOIN (SELECT reblog_of_id AS id, count(*) AS n FROM statuses
                  WHERE reblog_of_id IS NOT NULL GROUP BY 1) b ON b.id = s0.id
       LEFT JOIN (SELECT status_id AS id, count(*) AS n FROM favourites GROUP BY 1) f ON f.id = s0.id
     WHERE s.id = s0.id AND (r.n IS NOT NULL OR b.n IS NOT NULL OR f.n IS NOT NULL)`,
  );
  await run(
    "account counters",
    `UPDATE accounts a SET
       statuses_count = coalesce(st.n, 0), last_status_at = st.last,
       followers_count = coalesce(fr.n, 0), following_count = coalesce(fg.n, 0)
     FROM accounts a0
       LEFT JOIN (SELECT account_id AS id, count(*) AS n, max(created_at) AS last FROM statuses
                  WHERE visibility <> 'direct' GROUP BY 1) st ON st.id = a0.id
       LEFT JOIN (SELECT target_account_id AS id, count(*) AS n FROM follows GROUP BY 1) fr
         ON fr.id = a0.id
       LEFT JOIN (SELECT account_id AS id, count(*) AS n FROM follows GROUP BY 1) fg ON fg.id = a0.id
     WHERE a.id = a0.id`,
  );

  // The home feeds, as the fan-out would have written them: every status in
  // its author's feed; statuses and boosts (not direct ones) in the feeds of
  // the author's followers, replies to others only where the follower also
  // follows the account replied to.
  await run(
    "home feeds",
    `INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
     SELECT s.account_id, s.id, coalesce(s.reblog_of_id, s.id) FROM statuses s
     UNION ALL
     SELECT f.account_id, s.id, coalesce(s.reblog_of_id, s.id)
     FROM statuses s JOIN follows f ON f.target_account_id = s.account_id
     WHERE s.visibility <> 'direct'
       AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id
            OR s.in_reply_to_account_id = f.account_id
            OR EXISTS (SELECT 1 FROM follows f2 WHERE f2.account_id = f.account_id
                       AND f2.target_account_id = s.in_reply_to_account_id))
     ON CONFLICT DO NOTHING`,
  );
  await client.query("RESET session_replication_role").catch(() => undefined);
  await client.query("DROP TABLE ss");

  const started = performance.now();
  await client.query("VACUUM ANALYZE");
  steps.push({ step: "vacuum analyze", ms: Math.round(performance.now() - started) });
  log(`seed: vacuum analyze (${Math.round(performance.now() - started)} ms)`);

  const rows: Record<string, number> = {};
  for (const table of [
    "accounts",
    "follows",
    "statuses",
    "mentions",
    "statuses_tags",
    "favourites",
    "home_feed_entries",
  ]) {
    const { rows: r } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    rows[table] = Number(r[0]!.n);
  }

  // The reader: a regular account that is not among the popular ones, with a
  // full page of home feed entries. The sample status: public, with a
  // mention, a hashtag and favourites.
  const reader = 100;
  const { rows: sample } = await client.query<{ id: string }>(
    `SELECT s.id::text FROM statuses s
     WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL
       AND s.favourites_count > 0
       AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id)
       AND EXISTS (SELECT 1 FROM statuses_tags t WHERE t.status_id = s.id)
     ORDER BY s.id DESC LIMIT 1`,
  );
  const idOf = (g: number) => ((BigInt(A0) + BigInt(g)) << 16n).toString();
  return {
    posterId: idOf(POSTER),
    posterToken: tokenOf(POSTER),
    lonerId: idOf(LONER),
    lonerToken: tokenOf(LONER),
    readerId: idOf(reader),
    readerToken: tokenOf(reader),
    sampleStatusId:
      sample[0]?.id ??
      (
        await client.query<{ id: string }>(
          "SELECT id::text FROM statuses WHERE visibility = 'public' ORDER BY id DESC LIMIT 1",
        )
      ).rows[0]!.id,
    rows,
    steps,
  };
}

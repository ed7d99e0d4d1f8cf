// Which statuses go into which feeds, as Mastodon's FeedManager decides when a
// status is pushed or merged (app/lib/feed_manager.rb: filter_from_home?,
// filter_from_list?, filter_from_tags?, add_to_feed). Written as SQL over a
// status row aliased `s` (or, for one status and many receivers, over the
// facts of a HomeStatus given as parameters) and a receiving account, so that
// one INSERT … SELECT checks thousands of receivers at once.
import { sql, type SQL } from "drizzle-orm";
import type { HomeStatus } from "./home-status.ts";

/** The status row being delivered, as the alias every condition here reads. */
const S = {
  id: sql.raw("s.id"),
  account: sql.raw("s.account_id"),
  replyTo: sql.raw("s.in_reply_to_id"),
  replyToAccount: sql.raw("s.in_reply_to_account_id"),
  reblogOf: sql.raw("s.reblog_of_id"),
  language: sql.raw("s.language"),
};

/** The status itself, or the boosted status for a boost: what a feed entry's reblog_of_id holds. */
export const ORIGINAL_OF_S = sql`COALESCE(${S.reblogOf}, ${S.id})`;

const isReply = sql`(${S.replyTo} IS NOT NULL OR ${S.replyToAccount} IS NOT NULL)`;

/** `r` blocks or mutes (an unexpired mute) account `target`. */
const blocksOrMutes = (r: SQL, target: SQL) => sql`(
  EXISTS (SELECT 1 FROM blocks fb WHERE fb.account_id = ${r} AND fb.target_account_id = ${target})
  OR EXISTS (SELECT 1 FROM mutes fm WHERE fm.account_id = ${r} AND fm.target_account_id = ${target}
             AND (fm.expires_at IS NULL OR fm.expires_at > now())))`;

/** `r` follows `target`. */
const follows = (r: SQL, target: SQL) =>
  sql`EXISTS (SELECT 1 FROM follows ff WHERE ff.account_id = ${r} AND ff.target_account_id = ${target})`;

/**
 * The accounts whose block or mute by the receiver keeps the status out:
 * the author, the accounts it mentions (not silently), and for a boost the
 * boosted status's author and mentions.
 */
function involvedBlockedOrMuted(r: SQL, withBoosted: boolean): SQL {
  const boosted = withBoosted
    ? sql`
        UNION ALL SELECT fo.account_id FROM statuses fo WHERE fo.id = ${S.reblogOf}
        UNION ALL SELECT fmo.account_id FROM mentions fmo WHERE fmo.status_id = ${S.reblogOf} AND NOT fmo.silent`
    : sql``;
  return sql`EXISTS (
    SELECT 1 FROM (
      SELECT ${S.account} AS target
      UNION ALL SELECT fmn.account_id FROM mentions fmn WHERE fmn.status_id = ${S.id} AND NOT fmn.silent
      ${boosted}
    ) involved WHERE ${blocksOrMutes(r, sql.raw("involved.target"))})`;
}

/**
 * TRUE when status `s` must not enter the home feed of account `r`
 * (FeedManager#filter_from_home?). `forList`: the check made for a list
 * feed of `r`, where exclusive lists do not apply.
 */
export function filteredFromHome(r: SQL, options: { forList?: boolean } = {}): SQL {
  const exclusive = options.forList
    ? sql`FALSE`
    : sql`EXISTS (SELECT 1 FROM lists xl JOIN list_accounts xla ON xla.list_id = xl.id
                  WHERE xl.account_id = ${r} AND xl.exclusive AND xla.account_id = ${S.account})`;
  const otherLanguage = sql`(${S.language} IS NOT NULL AND ${S.language} <> '' AND EXISTS (
    SELECT 1 FROM follows fl WHERE fl.account_id = ${r} AND fl.target_account_id = ${S.account}
      AND cardinality(fl.languages) > 0 AND NOT (${S.language} = ANY (fl.languages))))`;
  const blockedByAuthor = sql`EXISTS (SELECT 1 FROM blocks fa WHERE fa.account_id = ${S.account} AND fa.target_account_id = ${r})`;
  // A reply reaches followers who also follow the account replied to (or are
  // it); self-replies (threads) reach every follower.
  const replyToStranger = sql`(${S.replyToAccount} <> ${r} AND ${S.replyToAccount} <> ${S.account}
    AND NOT ${follows(r, S.replyToAccount)})`;
  // A boost is left out when the receiver hides the booster's boosts, or the
  // boosted author blocks the receiver or is on a domain the receiver blocks.
  const unwantedBoost = sql`(
    EXISTS (SELECT 1 FROM follows fr WHERE fr.account_id = ${r} AND fr.target_account_id = ${S.account} AND NOT fr.show_reblogs)
    OR EXISTS (SELECT 1 FROM statuses fbs JOIN blocks fbb ON fbb.account_id = fbs.account_id
               WHERE fbs.id = ${S.reblogOf} AND fbb.target_account_id = ${r})
    OR EXISTS (SELECT 1 FROM statuses fds JOIN accounts fda ON fda.id = fds.account_id
               JOIN account_domain_blocks fdb ON fdb.domain = fda.domain
               WHERE fds.id = ${S.reblogOf} AND fdb.account_id = ${r}))`;
  return sql`(${r} <> ${S.account} AND (
    (${isReply} AND (${S.replyTo} IS NULL OR ${S.replyToAccount} IS NULL))
    OR ${exclusive}
    OR ${otherLanguage}
    OR ${involvedBlockedOrMuted(r, true)}
    OR ${blockedByAuthor}
    OR CASE WHEN ${S.replyToAccount} IS NOT NULL THEN ${replyToStranger}
            WHEN ${S.reblogOf} IS NOT NULL THEN ${unwantedBoost}
            ELSE FALSE END))`;
}

/**
 * filteredFromHome for one status `s` and many receivers `r` at once: the
 * same rules, each written as a set of accounts that PostgreSQL computes
 * once per statement (an uncorrelated subquery, hashed) or, where a set
 * could be large (a follower's languages), as a probe of follows' unique
 * index, instead of subqueries run again for every receiver. The status's
 * facts are parameters and the rules that cannot apply to it (those of
 * replies for a post, of boosts for a reply) are left out of the statement:
 * PostgreSQL planned the whole of it for every event the streams check
 * (5-15 ms of a 1,000-viewer check, bench/streaming.ts). test/feeds.test.ts
 * checks each rule through the fan-out (this form) and through follows and
 * merges (the row-wise form).
 */
export function filteredFromHomeOf(s: HomeStatus, r: SQL): SQL {
  const sid = sql`${s.id}::bigint`;
  const author = sql`${s.accountId}::bigint`;
  // A reply whose parent is only half known is shown to no one but its author.
  if ((s.inReplyToId === null) !== (s.inReplyToAccountId === null)) {
    return sql`(${r} <> ${author})`;
  }
  const boosted =
    s.reblogOfId === null
      ? sql``
      : sql`UNION ALL SELECT fo.account_id FROM statuses fo WHERE fo.id = ${s.reblogOfId}::bigint
    UNION ALL SELECT fmo.account_id FROM mentions fmo WHERE fmo.status_id = ${s.reblogOfId}::bigint AND NOT fmo.silent`;
  const involved = sql`SELECT ${author}
    UNION ALL SELECT fmn.account_id FROM mentions fmn WHERE fmn.status_id = ${sid} AND NOT fmn.silent
    ${boosted}`;
  const rules = [
    sql`${r} IN (SELECT xl.account_id FROM lists xl JOIN list_accounts xla ON xla.list_id = xl.id
                WHERE xl.exclusive AND xla.account_id = ${author})`,
    sql`${r} IN (SELECT fb.account_id FROM blocks fb WHERE fb.target_account_id IN (${involved}))`,
    sql`${r} IN (SELECT fm.account_id FROM mutes fm WHERE fm.target_account_id IN (${involved})
                AND (fm.expires_at IS NULL OR fm.expires_at > now()))`,
    sql`${r} IN (SELECT fa.target_account_id FROM blocks fa WHERE fa.account_id = ${author})`,
  ];
  if (s.language) {
    rules.push(sql`EXISTS (SELECT 1 FROM follows fl
          WHERE fl.account_id = ${r} AND fl.target_account_id = ${author}
            AND cardinality(fl.languages) > 0 AND NOT (${s.language}::text = ANY (fl.languages)))`);
  }
  if (s.inReplyToAccountId !== null) {
    // A reply reaches followers who also follow the account replied to (or
    // are it); self-replies (threads) reach every follower.
    if (s.inReplyToAccountId !== s.accountId) {
      const parent = sql`${s.inReplyToAccountId}::bigint`;
      rules.push(sql`(${r} <> ${parent} AND NOT EXISTS (SELECT 1 FROM follows ff
          WHERE ff.account_id = ${r} AND ff.target_account_id = ${parent}))`);
    }
  } else if (s.reblogOfId !== null) {
    // A boost is left out when the receiver hides the booster's boosts, or
    // the boosted author blocks the receiver or is on a domain it blocks.
    const original = sql`${s.reblogOfId}::bigint`;
    rules.push(
      sql`EXISTS (SELECT 1 FROM follows fr WHERE fr.account_id = ${r} AND fr.target_account_id = ${author} AND NOT fr.show_reblogs)`,
      sql`${r} IN (SELECT fbb.target_account_id FROM statuses fbs JOIN blocks fbb ON fbb.account_id = fbs.account_id
                WHERE fbs.id = ${original})`,
      sql`${r} IN (SELECT fdb.account_id FROM statuses fds JOIN accounts fda ON fda.id = fds.account_id
                JOIN account_domain_blocks fdb ON fdb.domain = fda.domain WHERE fds.id = ${original})`,
    );
  }
  return sql`(${r} <> ${author} AND (${sql.join(rules, sql` OR `)}))`;
}

/**
 * TRUE when status `s` must not enter the list aliased `l`
 * (FeedManager#filter_from_list?): replies to others follow the list's
 * replies_policy (`followed`: any, `list`: to members, `none`: only to the owner).
 */
export function filteredFromList(l: string): SQL {
  const list = sql.raw(l);
  return sql`(${S.replyToAccount} IS NOT NULL AND ${S.replyToAccount} <> ${S.account}
    AND ${S.replyToAccount} <> ${list}.account_id
    AND ${list}.replies_policy <> 'followed'
    AND NOT (${list}.replies_policy = 'list' AND EXISTS (
      SELECT 1 FROM list_accounts lrm WHERE lrm.list_id = ${list}.id AND lrm.account_id = ${S.replyToAccount})))`;
}

/**
 * TRUE when a status with a hashtag `r` follows must not enter `r`'s home
 * feed (FeedManager#filter_from_tags?).
 */
export function filteredFromTags(r: SQL): SQL {
  return sql`(${r} = ${S.account}
    OR ${involvedBlockedOrMuted(r, false)}
    OR EXISTS (SELECT 1 FROM blocks ftb WHERE ftb.account_id = ${S.account} AND ftb.target_account_id = ${r})
    OR EXISTS (SELECT 1 FROM accounts fta JOIN account_domain_blocks ftd ON ftd.domain = fta.domain
               WHERE fta.id = ${S.account} AND ftd.account_id = ${r}))`;
}

/** How far down a feed a boost or its original keeps further boosts of it out (REBLOG_FALLOFF). */
export const REBLOG_FALLOFF = 40;

/**
 * TRUE when the feed already shows status `s`'s original, or a boost of it,
 * among its newest REBLOG_FALLOFF entries: boosting a post seen a moment ago
 * does not show it again, boosting an old one brings it back up
 * (FeedManager#add_to_feed). `status`: the status's facts when the caller
 * has them (otherwise the row aliased `s` is read).
 */
export function shownRecently(
  table: "home_feed_entries" | "list_feed_entries",
  owner: SQL,
  status?: HomeStatus,
): SQL {
  const t = sql.raw(table);
  const col = sql.raw(table === "home_feed_entries" ? "account_id" : "list_id");
  // The status: the row aliased `s`, or the one given (its id a parameter).
  const id = status ? sql`${status.id}::bigint` : S.id;
  const original = status ? sql`${status.reblogOfId ?? status.id}::bigint` : ORIGINAL_OF_S;
  // A feed can show a post before it only by a boost of it: for a given
  // post that nobody boosted (a new one), no feed is probed at all (the
  // condition is computed once per statement).
  const boosted =
    status && status.reblogOfId === null
      ? sql`EXISTS (SELECT 1 FROM statuses sb WHERE sb.reblog_of_id = ${id}) AND `
      : sql``;
  // The feed's own entry of `s` is not "shown before" (an INSERT skips it as a
  // conflict; the streams may ask after the fan-out has run). OFFSET 0 keeps
  // the falloff bound out of the index scan, so that it is looked up only for
  // the few feeds that hold the original at all.
  return sql`(${boosted}EXISTS (SELECT 1 FROM (SELECT se.status_id FROM ${t} se
      WHERE se.${col} = ${owner} AND se.reblog_of_id = ${original} AND se.status_id <> ${id}
      OFFSET 0) seen
    WHERE seen.status_id >= COALESCE((SELECT sx.status_id FROM ${t} sx WHERE sx.${col} = ${owner}
                                      ORDER BY sx.status_id DESC OFFSET ${REBLOG_FALLOFF - 1} LIMIT 1), 0)))`;
}

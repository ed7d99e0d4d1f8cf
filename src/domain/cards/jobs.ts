// The card jobs (names in context.ts) and what running each one does.
import type { JobHandler } from "../../jobs/queue.ts";
import { CARD_JOBS, type CardContext } from "./context.ts";
import { refreshStatusCard } from "./fetch-card.ts";

function statusIdOf(data: unknown): string {
  const value = (data as Record<string, unknown> | null)?.statusId;
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error("job data: statusId is not an id");
  }
  return value;
}

export function cardJobHandlers(ctx: CardContext): Record<string, JobHandler> {
  return {
    [CARD_JOBS.fetch]: (data) => refreshStatusCard(ctx, statusIdOf(data)),
  };
}

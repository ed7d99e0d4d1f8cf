// Rule (https://docs.joinmastodon.org/entities/Rule/), as REST::RuleSerializer.
import type { RuleRow } from "../../domain/instance/rules.ts";

export interface Rule {
  id: string;
  text: string;
  hint: string;
  /** Per-locale {text, hint}; Herd keeps no translations yet. */
  translations: Record<string, { text: string; hint: string }>;
}

export function serializeRule(rule: RuleRow): Rule {
  return { id: rule.id, text: rule.text, hint: rule.hint, translations: {} };
}

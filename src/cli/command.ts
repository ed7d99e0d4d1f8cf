// What every `herd` command is made of: its words, arguments and options (for
// parsing and --help), and a function run with a context that opens the
// database only when the command needs it.
import type { Config } from "../config.ts";
import type { Database, Db } from "../db/database.ts";
import type { MailContext } from "../domain/accounts/confirmation.ts";
import type { Logger } from "../logger.ts";

/** Where a command writes; tests pass one that keeps the lines. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/**
 * A logger for commands: one line on stderr per message (stdout carries only
 * what tootctl prints there). Without SMTP_SERVER, mails are shown this way.
 */
export function outputLogger(output: Output, base: Record<string, unknown> = {}): Logger {
  const write = (msg: string, fields?: Record<string, unknown>) => {
    const all = { ...base, ...fields };
    output.err(`herd: ${msg}${Object.keys(all).length > 0 ? ` ${JSON.stringify(all)}` : ""}`);
  };
  return {
    debug: () => undefined,
    info: write,
    warn: write,
    error: write,
    child: (fields) => outputLogger(output, { ...base, ...fields }),
  };
}

/**
 * A failure the command reports as tootctl does: the message alone on stderr,
 * exit code 1 (Thor's fail_with_message).
 */
export class CommandError extends Error {
  override name = "CommandError";
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface OptionSpec {
  type: "boolean" | "string";
  description: string;
  short?: string;
  /** Shown in --help: `--email=EMAIL`. */
  value?: string;
  required?: boolean;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface CliContext {
  output: Output;
  config(): Config;
  /** The database, migrated to the current schema. */
  db(): Promise<Db>;
  /** The database as it is (for `herd db ...`). */
  database(): Promise<Database>;
  /** How to mail users (confirmation links), as the server would. */
  mail(): Promise<MailContext>;
}

export interface Command {
  /** The words that name it: ["accounts", "create"]. */
  words: string[];
  /** The positional arguments, as shown in usage: "USERNAME", "[USERNAME]". */
  args?: string;
  minArgs?: number;
  maxArgs?: number;
  summary: string;
  /** Paragraphs shown by --help after the usage line. */
  description?: string;
  options?: Record<string, OptionSpec>;
  run(ctx: CliContext, args: string[], flags: Flags): Promise<number | void>;
}

/** A --number style option: an integer, or a Thor-like complaint. */
export function intFlag(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined || typeof value === "boolean") return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new CommandError(`Expected numeric value for '--${name}'; got "${value}"`);
  }
  return n;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

// `herd`: the admin command line, compatible with Mastodon's tootctl where the
// two overlap (https://docs.joinmastodon.org/admin/tootctl/). It works with or
// without a running server: on the embedded PostgreSQL it joins the running
// postmaster of DATA_DIR, or starts one for the command and stops it after.
//
// run() never throws and never prints a stack trace: it returns the exit code.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { loadConfig, parseConfig, type Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { DomainError } from "../domain/errors.ts";
import type { MailContext } from "../domain/accounts/confirmation.ts";
import { createLogMailer, createSmtpMailer, type Mailer } from "../mail/mailer.ts";
import { urlsFor } from "../urls.ts";
import { describeError, openStorage, type Storage } from "../storage-boot.ts";
import { withCommandEvents, type CommandEvents } from "../command-events.ts";
import type { Logger } from "../logger.ts";
import { accountsCommands } from "./accounts.ts";
import {
  CommandError,
  outputLogger,
  processOutput,
  type CliContext,
  type Command,
  type Flags,
  type Output,
} from "./command.ts";
import { dbCommands } from "./db.ts";
import { emojiCommands } from "./emoji.ts";
import { mediaCommands } from "./media.ts";
import { settingsCommands } from "./settings.ts";

export type { Output } from "./command.ts";

export const commands: readonly Command[] = [
  ...accountsCommands,
  ...settingsCommands,
  ...dbCommands,
  ...mediaCommands,
  ...emojiCommands,
];

export interface RunOptions {
  /** Where to write (default: stdout and stderr). */
  output?: Output;
  /** The configuration to use instead of the environment and .env. */
  config?: Config;
  /** Variables parsed instead of the process environment (and no .env). */
  env?: Record<string, string | undefined>;
  /** Where .env and a relative DATA_DIR are looked up (default: the working directory). */
  cwd?: string;
  /** An open database to use as is, and leave open (tests). */
  database?: Database;
  /** How to send mail (default: SMTP as configured, or the log on stderr). */
  mailer?: Mailer;
  /** Close the database and exit on SIGINT/SIGTERM (the real command). */
  handleSignals?: boolean;
}

const HELP = ["--help", "-h"];

function version(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function usageLine(command: Command): string {
  const required = Object.entries(command.options ?? {})
    .filter(([, o]) => o.required)
    .map(([name, o]) => `--${name}=${o.value ?? "VALUE"}`);
  const optional = Object.values(command.options ?? {}).some((o) => !o.required);
  return ["herd", ...command.words, command.args ?? "", ...required, optional ? "[options]" : ""]
    .filter(Boolean)
    .join(" ");
}

function commandHelp(command: Command): string[] {
  const lines = [`Usage: ${usageLine(command)}`, "", command.summary];
  if (command.description) lines.push("", ...command.description.split("\n"));
  const rows: [string, string][] = Object.entries(command.options ?? {}).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? `=${o.value ?? "VALUE"}` : ""}`,
    `${o.description}${o.required ? " (required)" : ""}`,
  ]);
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length));
  lines.push("", "Options:", ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`));
  return lines;
}

function listHelp(prefix: string[]): string[] {
  const shown = commands.filter((c) => prefix.every((w, i) => c.words[i] === w));
  const rows = shown.map((c) => [["herd", ...c.words, c.args ?? ""].join(" ").trim(), c.summary]);
  const width = Math.max(...rows.map(([left]) => left!.length));
  const head =
    prefix.length === 0
      ? [
          "Usage: herd COMMAND [ARGS] [options]",
          "",
          "Herd's admin command, compatible with Mastodon's tootctl. It reads the same",
          "configuration as the server (the environment and .env: DATA_DIR or DATABASE_URL),",
          "and works whether the server runs or not.",
        ]
      : [`Usage: herd ${prefix.join(" ")} COMMAND [ARGS] [options]`];
  return [
    ...head,
    "",
    "Commands:",
    ...rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`),
    "",
    "Run `herd COMMAND --help` for a command's options.",
  ];
}

/** `logger` without its info lines (stderr carries warnings and errors only). */
function quiet(logger: Logger): Logger {
  return { ...logger, info: () => undefined, child: (fields) => quiet(logger.child(fields)) };
}

/** Thor accepts --remove_role for --remove-role; so does herd. */
function normalise(argv: string[]): string[] {
  const end = argv.indexOf("--");
  return argv.map((arg, i) => {
    if ((end >= 0 && i >= end) || !arg.startsWith("--")) return arg;
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    return name.replace(/_/g, "-") + (eq < 0 ? "" : arg.slice(eq));
  });
}

/** The command named by the leading words of argv: the longest match. */
function findCommand(argv: string[]): Command | null {
  let best: Command | null = null;
  for (const command of commands) {
    if (command.words.every((w, i) => argv[i] === w)) {
      if (!best || command.words.length > best.words.length) best = command;
    }
  }
  return best;
}

/** The longest prefix of argv that names a group of commands ("accounts", "settings rules"). */
function findGroup(argv: string[]): string[] {
  const words: string[] = [];
  for (const word of argv) {
    const next = [...words, word];
    if (!commands.some((c) => next.every((w, i) => c.words[i] === w))) break;
    words.push(word);
  }
  return words;
}

/** tootctl's report_errors: "Failure/Error: attribute" then the error type, indented. */
function validationLines(details: NonNullable<DomainError["details"]>): string[] {
  return Object.entries(details).flatMap(([field, errors]) =>
    errors.flatMap((e) => [
      `Failure/Error: ${field === "username" ? "account.username" : field}`,
      `    ${e.error.replace(/^ERR_/, "").toLowerCase()}`,
    ]),
  );
}

export async function run(argv: string[], options: RunOptions = {}): Promise<number> {
  const output = options.output ?? processOutput;
  const args = normalise(argv);

  if (args[0] === "--version" || args[0] === "-v" || args[0] === "version") {
    output.out(version());
    return 0;
  }
  if (args.length === 0 || HELP.includes(args[0]!) || args[0] === "help") {
    const rest = args.slice(1);
    const command = findCommand(rest);
    const lines =
      command && command.words.length === rest.length
        ? commandHelp(command)
        : listHelp(findGroup(rest));
    for (const line of lines) output.out(line);
    return 0;
  }

  const command = findCommand(args);
  if (!command) {
    const group = findGroup(args);
    const onlyGroup = group.length === args.length || HELP.includes(args[group.length]!);
    if (group.length > 0 && onlyGroup) {
      for (const line of listHelp(group)) output.out(line);
      return 0;
    }
    output.err(`herd: unknown command "${args.slice(0, group.length + 1).join(" ")}"`);
    for (const line of listHelp(group)) output.err(line);
    return 1;
  }

  const rest = args.slice(command.words.length);
  const beforeEnd = rest.indexOf("--") < 0 ? rest : rest.slice(0, rest.indexOf("--"));
  if (beforeEnd.some((a) => HELP.includes(a))) {
    for (const line of commandHelp(command)) output.out(line);
    return 0;
  }

  const spec: ParseArgsOptionsConfig = {};
  for (const [name, o] of Object.entries(command.options ?? {})) {
    spec[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  }
  const name = `herd ${command.words.join(" ")}`;
  let positionals: string[];
  let flags: Flags;
  try {
    const parsed = parseArgs({
      args: rest,
      options: spec,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
    positionals = parsed.positionals;
    flags = parsed.values as Flags;
  } catch (error) {
    // Node's message, without its advice on positionals starting with "-".
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    output.err(`herd: ${message}`);
    output.err(`See \`${name} --help\`.`);
    return 1;
  }
  const min = command.minArgs ?? 0;
  const max = command.maxArgs ?? Infinity;
  if (positionals.length < min || positionals.length > max) {
    output.err(
      positionals.length < min
        ? `herd: "${name}" was called with too few arguments`
        : `herd: "${name}" was called with too many arguments: ${positionals.slice(max).join(" ")}`,
    );
    output.err(`Usage: ${usageLine(command)}`);
    return 1;
  }
  const missing = Object.entries(command.options ?? {})
    .filter(([key, o]) => o.required && (flags[key] === undefined || flags[key] === ""))
    .map(([key]) => `'--${key}'`);
  if (missing.length > 0) {
    output.err(`No value provided for required options ${missing.join(", ")}`);
    return 1;
  }

  // The database is opened on first use, once; and closed at the end.
  let storage: Promise<Storage> | null = null;
  let migrated: Promise<void> | null = null;
  let config: Config | undefined = options.config;
  const getConfig = () =>
    (config ??= options.env
      ? parseConfig(options.env, options.cwd)
      : loadConfig(options.cwd ?? process.cwd()));
  const database = async (): Promise<Database> => {
    if (options.database) return options.database;
    storage ??= openStorage(getConfig(), "command");
    return (await storage).database;
  };
  let mail: Promise<MailContext> | null = null;
  let events: CommandEvents | null = null;
  const ctx: CliContext = {
    output,
    config: getConfig,
    database,
    mail() {
      mail ??= (async () => {
        const config = getConfig();
        const logger = outputLogger(output);
        const mailer =
          options.mailer ??
          (config.smtp ? await createSmtpMailer(config.smtp, logger) : createLogMailer(logger));
        return { mailer, logger, baseUrl: urlsFor(config).base, domain: config.localDomain };
      })();
      return mail;
    },
    async db() {
      const d = await database();
      // The server migrates when it starts; a command that comes first does it.
      migrated ??= migrate(d.pool).then(({ applied }) => {
        for (const m of applied) output.err(`Applied migration ${m}`);
      });
      await migrated;
      if (options.database) return d.db;
      // Domain events federate as the server's do: a deletion's Delete is
      // queued for the server to deliver (src/command-events.ts).
      events ??= withCommandEvents(d, getConfig(), quiet(outputLogger(output)));
      return events.database.db;
    },
  };
  const close = async () => {
    await events?.close().catch(() => undefined);
    if (storage) await (await storage.catch(() => null))?.close();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    output.err(`herd: interrupted (${signal})`);
    void close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  if (options.handleSignals) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }

  try {
    return (await command.run(ctx, positionals, flags)) ?? 0;
  } catch (error) {
    if (error instanceof CommandError) {
      output.err(error.message);
      return error.exitCode;
    }
    if (error instanceof DomainError) {
      const lines = error.details ? validationLines(error.details) : [error.message];
      for (const line of lines) output.err(line);
      return 1;
    }
    output.err(`herd: ${describeError(error)}`);
    return 1;
  } finally {
    await close();
    if (options.handleSignals) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}

// Structured logs: one JSON object per line on stdout (stderr for errors), so
// that journald, Docker or any collector can read them as they are.
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Whether lines of `level` are written (lets a caller skip making them); absent: assume so. */
  enabled?(level: Exclude<LogLevel, "silent">): boolean;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[level];
  const write = (
    lvl: Exclude<LogLevel, "silent">,
    msg: string,
    fields?: Record<string, unknown>,
  ) => {
    if (ORDER[lvl] < min) return;
    const line = JSON.stringify(
      { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields },
      (_k, v) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v),
    );
    (lvl === "error" ? process.stderr : process.stdout).write(line + "\n");
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }),
    enabled: (lvl) => ORDER[lvl] >= min,
  };
}

export const silentLogger: Logger = createLogger("silent");

/** Severity levels, in increasing order. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured logging for framework-free code; fields become JSON properties. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds the given fields to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** Where log lines go and how they look. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** 'json': one JSON object per line (for collectors); 'pretty': for people at a terminal. */
  readonly format: 'json' | 'pretty';
  readonly write?: (line: string) => void;
}

/** A logger writing one line per event to stdout (or `write`). */
export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const all = { ...base, ...fields };
    if (options.format === 'json') {
      // The line's own time, level and message win over fields of the same name (and come first).
      const own = { time: new Date().toISOString(), level, msg: message };
      write(JSON.stringify(Object.assign({ ...own }, all, own), errorReplacer));
      return;
    }
    const extras = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, errorReplacer)}`)
      .join(' ');
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extras ? `  ${extras}` : ''}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (for tests that do not look at logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

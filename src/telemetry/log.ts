import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Vigil's own structured log: JSON lines on stderr (stdout belongs to command output).
 * Level from VIGIL_LOG_LEVEL (default info; tests set silent). Secrets are redacted by path.
 */
export function createLogger(name = 'vigil', level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization'] },
      base: { pid: process.pid },
    },
    pino.destination(2),
  );
}

/** A logger that drops everything, for pure tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

import pino, { type Logger } from 'pino';

/** The process logger: JSON lines to stdout (pino), ready for any log shipper. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'ccpulse' } });
}

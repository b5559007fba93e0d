import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from '../observe/logger.js';

/** A logger writing into an array of parsed lines. */
export function capturingLogger(format: LogFormat = 'json', level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger({ level, format, stream }), lines, raw };
}

import { CONTROL_OR_BROKEN } from '../contract/event.js';
import type { ErrorDetail } from './errors.js';

// Query and path parameters arrive as text. Numbers are declared as strings and parsed here, in decimal
// digits only: Ajv's type coercion turned "Infinity", "1e400" or "0x10" into numbers (the first two skip
// its range checks), which then reached SQL as values a bigint cannot hold.

/** A whole number within [min, max] written in decimal digits, or a detail naming `path`. */
export function intParam(raw: string | undefined, path: string, range: { min: number; max: number }, errors: ErrorDetail[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= range.min && n <= range.max)) {
    errors.push({ path, message: `must be a whole number from ${range.min} to ${range.max}` });
    return undefined;
  }
  return n;
}

/**
 * A name to filter by (a queue, a channel, an operator): what an event may carry in that field, or a
 * detail naming `path`. A name no event can have (empty, too long, with a NUL or a control character,
 * broken UTF-16) would match nothing, and some cannot even be sent to the database.
 */
export function nameParam(raw: string | undefined, path: string, maxLength: number, errors: ErrorDetail[]): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length === 0) errors.push({ path, message: 'must not be empty' });
  else if (raw.length > maxLength) errors.push({ path, message: `must be at most ${maxLength} characters` });
  else if (CONTROL_OR_BROKEN.test(raw)) errors.push({ path, message: 'must not contain control characters or unpaired UTF-16 surrogates' });
  else return raw;
  return undefined;
}

/**
 * Failures the person running ccpulse can fix (a server that does not answer, a port in use, a flag
 * with a bad value). main.ts prints them as `ccpulse COMMAND: message` and the hint below it, with no
 * stack, and exits with `exitCode`. Anything else that reaches main.ts is a bug and is printed as one.
 */
export class CliError extends Error {
  override name = 'CliError';
  exitCode: number;
  readonly hint?: string;

  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** A mistake in the command line itself: exit code 2, and (unless a hint says better) a pointer to --help. */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string, opts: { hint?: string } = {}) {
    super(message, { ...opts, exitCode: 2 });
  }
}

/** An integer flag: the text must be one, within [min, max]. */
export function intFlag(name: string, text: string, min: number, max: number): number {
  const v = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return v;
}

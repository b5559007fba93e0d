import type { ParseArgsConfig } from 'node:util';

/**
 * One `ccpulse` sub-command. `main.ts` parses the flags with node:util parseArgs using `options`,
 * prints `usage` for --help, and calls `run`. The returned number is the process exit code. `run` reports
 * a failure the user can fix by throwing a CliError (errors.ts): main prints its message, not a stack.
 */
export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `ccpulse NAME --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether the command takes arguments besides its options (`dlq show 12`); otherwise one is a usage error. */
  positionals?: boolean;
  /** When true, `run` keeps the process alive (servers); main does not exit after it resolves. */
  longRunning?: boolean;
  run(values: Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: string[]): Promise<number>;
}

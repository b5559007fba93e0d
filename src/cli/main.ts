#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { startCommand } from './start.js';
import { simulateCommand } from './simulate.js';
import { adviceCommand } from './advice.js';
import { tierCommand } from './tier.js';
import { migrateCommand } from './migrate.js';
import { archiveCommand } from './archive.js';
import { dlqCommand } from './dlq.js';
import { keysCommand } from './keys.js';
import { verifyCommand } from './verify.js';
import { staffingCommand } from './staffing.js';
import { evaluateCommand } from './evaluate.js';
import { ConfigError } from '../config/config.js';
import { CliError, UsageError } from './errors.js';

const COMMANDS: Command[] = [startCommand, simulateCommand, keysCommand, dlqCommand, verifyCommand, staffingCommand, evaluateCommand, adviceCommand, tierCommand, migrateCommand, archiveCommand];

const HELP = `ccpulse — real-time SLA analytics for multichannel contact centers

Usage: ccpulse <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

  help [COMMAND]   this text, or a command's options (same as ccpulse COMMAND --help)
  -v, --version    the version of ccpulse

Run "ccpulse <command> --help" for a command's options.`;

function version(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below package.json
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The name the user probably meant, if one is close (a typo: one or two edits). */
function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length][b.length];
  };
  const best = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.min(2, Math.floor(best.c.length / 3)) ? best.c : undefined;
}

function findCommand(name: string): Command {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd) return cmd;
  const guess = closest(name, COMMANDS.map((c) => c.name));
  throw new UsageError(`unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`, {
    hint: `The commands are ${COMMANDS.map((c) => c.name).join(', ')}; ccpulse --help says more.`,
  });
}

/** node:util parseArgs errors, as messages that name the option and say what is wrong. */
function usageErrorFrom(err: Error & { code?: string }, cmd: Command): UsageError {
  const option = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = option.startsWith('--') ? closest(option, Object.keys(cmd.options).map((o) => `--${o}`)) : undefined;
      return new UsageError(`unknown option ${option}${guess ? ` (did you mean ${guess}?)` : ''}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(/does not take/.test(err.message) ? `${option} takes no value` : `${option} needs a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument "${/'([^']*)'/.exec(err.message)?.[1]}"`);
    default:
      return new UsageError(err.message);
  }
}

let current: Command | undefined;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`ccpulse ${version()}\n`);
    return 0;
  }
  if (name === 'help') {
    if (rest.length === 0) process.stdout.write(`${HELP}\n`);
    else process.stdout.write(`${findCommand(rest[0]).usage}\n`);
    return 0;
  }
  if (name.startsWith('-')) throw new UsageError(`unknown option ${name}`, { hint: 'Usage: ccpulse <command> [options]; ccpulse --help lists the commands.' });
  const cmd = findCommand(name);
  current = cmd;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageErrorFrom(err as Error, cmd);
  }
  if (parsed.values.help) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  if (!cmd.positionals && parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const code = await cmd.run(parsed.values, parsed.positionals);
  if (cmd.longRunning && code === 0) return -1;
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    const prefix = current ? `ccpulse ${current.name}` : 'ccpulse';
    if (err instanceof CliError || err instanceof ConfigError) {
      let text = `${prefix}: ${err.message}\n`;
      const hint = err instanceof CliError ? err.hint : undefined;
      if (hint) text += `  ${hint}\n`;
      else if (err instanceof UsageError) text += `  Run "${prefix} --help" for the options.\n`;
      process.stderr.write(text);
      process.exit(err instanceof CliError ? err.exitCode : 2);
    }
    process.stderr.write(`${prefix}: unexpected error; this is a bug in ccpulse, please report it with what follows:\n${(err as Error)?.stack ?? err}\n`);
    // exit now: a half-started server (a database worker thread, say) must not keep the process alive
    process.exit(1);
  },
);

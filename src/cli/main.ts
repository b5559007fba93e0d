#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { startCommand } from './start.js';
import { simulateCommand } from './simulate.js';
import { dlqCommand } from './dlq.js';
import { verifyCommand } from './verify.js';
import { ConfigError } from '../config/config.js';

const COMMANDS: Command[] = [startCommand, simulateCommand, dlqCommand, verifyCommand];

const HELP = `ccpulse — real-time SLA analytics for multichannel contact centers

Usage: ccpulse <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run "ccpulse <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 1;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`ccpulse: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`ccpulse ${name}: ${(err as Error).message}\n\n${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  const code = await cmd.run(parsed.values, parsed.positionals);
  if (cmd.longRunning && code === 0) return -1;
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ccpulse: ${err instanceof ConfigError ? err.message : (err as Error).stack ?? err}\n`);
    // exit now: a half-started server (a database worker thread, say) must not keep the process alive
    process.exit(1);
  },
);

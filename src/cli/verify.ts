import type { Command } from './command.js';
import { serverClient } from './server-client.js';
import { CliError, UsageError } from './errors.js';
import { parseApiTime } from '../contract/time.js';

/** --from / --to: parsed exactly as the API parses them; checked here so the message names the flag. */
function timeFlag(name: string, text: string): number {
  const t = parseApiTime(text);
  if (t.ok) return t.ms;
  if (t.problem === 'format') throw new UsageError(`--${name} "${text}" is not a time: give ISO 8601 (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds`);
  throw new UsageError(`--${name} "${text}" is out of range: times go from 2000-01-01 to 2100-01-01`);
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'recompute metrics from the raw events and compare them with what the stream produced',
  usage: `Usage: ccpulse verify [--from TIME] [--to TIME] [--url URL] [--api-key KEY]

Asks a running server to recompute every rollup cell of the range from the raw events, by a batch
path that shares nothing with the stream but the metric definitions, and prints every difference.
Exit code 0 when they agree, 1 when they do not, 2 when the check could not be made.

Options:
  --from TIME       ISO 8601 or epoch ms (default: an hour before --to)
  --to TIME         ISO 8601 or epoch ms (default: now)
  --url URL         the ccpulse server (default http://127.0.0.1:8080, env CCPULSE_URL)
  --api-key KEY     when the server has API keys
  --json            print the server's JSON as is
  -h, --help        show this help`,
  options: { from: { type: 'string' }, to: { type: 'string' }, url: { type: 'string' }, 'api-key': { type: 'string' }, json: { type: 'boolean' } },
  async run(v) {
    const qs = new URLSearchParams();
    const from = v.from === undefined ? undefined : timeFlag('from', v.from as string);
    const to = v.to === undefined ? undefined : timeFlag('to', v.to as string);
    if (from !== undefined && to !== undefined && from >= to) throw new UsageError('--from must be before --to');
    if (v.from !== undefined) qs.set('from', v.from as string);
    if (v.to !== undefined) qs.set('to', v.to as string);
    let body;
    try {
      body = await serverClient(v)(`/v1/verify?${qs}`);
    } catch (err) {
      // like diff: 1 means "they differ", so a check that could not be made is 2
      if (err instanceof CliError) {
        err.exitCode = 2;
        err.message = err.message.replace(/^\/(from|to):/, '--$1:'); // the server names its parameters; here they are flags
      }
      throw err;
    }
    if (v.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      // totalDifferences: servers before it listed every difference
      const total = body.totalDifferences ?? body.differences.length;
      process.stdout.write(`${body.from} – ${body.to}, log position ${body.position}: ${body.cells} cells recomputed from ${body.events} events; ${total} differences\n`);
      for (const d of body.differences) {
        process.stdout.write(`  ${d.bucket} ${d.queue}/${d.channel}${d.operator ? `/${d.operator}` : ''} ${d.field}: stream ${JSON.stringify(d.stream)}, batch ${JSON.stringify(d.batch)}\n`);
      }
      // archived days (servers before the archive do not say): their raw events are in the archive, not recomputed
      for (const a of body.archived ?? []) {
        process.stdout.write(`  ${a.day}: raw events archived (${a.events} events, ${a.files.join(', ') || 'being archived now'}); its cells not recomputed\n`);
      }
      if (body.truncated) process.stdout.write(`  … and ${total - body.differences.length} more (the server lists the first ${body.differences.length})\n`);
    }
    return (body.totalDifferences ?? body.differences.length) === 0 ? 0 : 1;
  },
};

import type { Command } from './command.js';
import { serverClient } from './server-client.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'recompute metrics from the raw events and compare them with what the stream produced',
  usage: `Usage: ccpulse verify [--from TIME] [--to TIME] [--url URL] [--api-key KEY]

Asks a running server to recompute every rollup cell of the range from the raw events, by a batch
path that shares nothing with the stream but the metric definitions, and prints every difference.
Exit code 0 when they agree, 1 when they do not.

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
    if (v.from) qs.set('from', v.from as string);
    if (v.to) qs.set('to', v.to as string);
    const body = await serverClient(v)(`/v1/verify?${qs}`);
    if (v.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      process.stdout.write(`${body.from} – ${body.to}, log position ${body.position}: ${body.cells} cells recomputed from ${body.events} events; ${body.differences.length} differences\n`);
      for (const d of body.differences) {
        process.stdout.write(`  ${d.bucket} ${d.queue}/${d.channel}${d.operator ? `/${d.operator}` : ''} ${d.field}: stream ${JSON.stringify(d.stream)}, batch ${JSON.stringify(d.batch)}\n`);
      }
    }
    return body.differences.length === 0 ? 0 : 1;
  },
};

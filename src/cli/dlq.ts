import type { Command } from './command.js';
import { serverClient } from './server-client.js';

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list, show and replay dead letters (events that could not be processed) on a running server',
  usage: `Usage: ccpulse dlq <list|show ID|replay [ID...] | replay --all> [--url URL] [--api-key KEY]

Dead letters are events that were valid but could not be processed (for instance a queue unknown in
strict mode), kept with the reason and the pipeline step. Fix the cause, then replay them: each goes
through the pipeline again, once.

  list              the dead letters, oldest first (--limit N, default 100)
  show ID           one dead letter with its original event
  replay ID...      replay these; replay --all replays every one not replayed yet

Options:
  --url URL         the ccpulse server (default http://127.0.0.1:8080, env CCPULSE_URL)
  --api-key KEY     when the server has API keys
  --limit N         with list
  --all             with replay
  --json            print the server's JSON as is
  -h, --help        show this help`,
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(v, args) {
    const [action, ...ids] = args;
    const call = serverClient(v);
    const print = (x: unknown) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x, null, 2)}\n`);

    switch (action) {
      case 'list': {
        const { items } = await call(`/v1/dlq?limit=${Number(v.limit ?? 100)}`);
        if (v.json) return print({ items }), 0;
        if (items.length === 0) return print('no dead letters'), 0;
        for (const d of items) {
          print(`#${d.id}  ${new Date(d.createdAt).toISOString()}  ${d.replayedAt ? 'replayed' : 'pending '}  ${d.step}  ${d.eventId}  ${d.reason}`);
        }
        return 0;
      }
      case 'show':
        if (ids.length !== 1) throw new Error('show takes one dead-letter id');
        print(await call(`/v1/dlq/${encodeURIComponent(ids[0])}`));
        return 0;
      case 'replay': {
        if (!v.all && ids.length === 0) throw new Error('replay takes dead-letter ids, or --all');
        const body = v.all ? {} : { ids: ids.map(Number) };
        const r = await call('/v1/dlq/replay', { method: 'POST', body: JSON.stringify(body) });
        print(v.json ? r : `replayed ${r.replayed}: ${r.accepted} accepted again, ${r.duplicates} already replayed before`);
        return 0;
      }
      default:
        process.stderr.write(`${dlqCommand.usage}\n`);
        return 2;
    }
  },
};

import type { Command } from './command.js';
import { serverClient } from './server-client.js';
import { intFlag, UsageError } from './errors.js';

/** A dead-letter id as the server numbers them. */
function deadLetterId(text: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new UsageError(`"${text}" is not a dead-letter id: ids are numbers, as "ccpulse dlq list" shows them (#12 is 12)`);
  return Number(text);
}

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
  positionals: true,
  async run(v, args) {
    const [action, ...ids] = args;
    if (action === undefined) throw new UsageError('say what to do: list, show ID or replay (IDs or --all)');
    if (!['list', 'show', 'replay'].includes(action)) throw new UsageError(`unknown action "${action}": use list, show ID or replay (IDs or --all)`);
    if (v.limit !== undefined && action !== 'list') throw new UsageError('--limit goes with list');
    if (v.all && action !== 'replay') throw new UsageError('--all goes with replay');
    const call = serverClient(v);
    const print = (x: unknown) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x, null, 2)}\n`);

    switch (action) {
      case 'list': {
        if (ids.length) throw new UsageError(`list takes no ids (got "${ids[0]}"); use show ID for one dead letter`);
        const limit = v.limit === undefined ? 100 : intFlag('limit', v.limit as string, 1, 10_000);
        const { items } = await call(`/v1/dlq?limit=${limit}`);
        if (v.json) return print({ items }), 0;
        if (items.length === 0) return print('no dead letters'), 0;
        for (const d of items) {
          print(`#${d.id}  ${new Date(d.createdAt).toISOString()}  ${d.replayedAt ? 'replayed' : 'pending '}  ${d.step}  ${d.eventId}  ${d.reason}`);
        }
        return 0;
      }
      case 'show':
        if (ids.length !== 1) throw new UsageError(`show takes one dead-letter id (got ${ids.length}), e.g. ccpulse dlq show 12`);
        print(await call(`/v1/dlq/${deadLetterId(ids[0])}`));
        return 0;
      case 'replay': {
        if (!v.all && ids.length === 0) throw new UsageError('replay what? Give dead-letter ids (ccpulse dlq replay 12 13) or --all');
        if (v.all && ids.length) throw new UsageError('give dead-letter ids or --all, not both');
        const body = v.all ? {} : { ids: [...new Set(ids.map(deadLetterId))] };
        const r = await call('/v1/dlq/replay', { method: 'POST', body: JSON.stringify(body) });
        print(v.json ? r : `replayed ${r.replayed}: ${r.accepted} accepted again, ${r.duplicates} already replayed before`);
        return 0;
      }
    }
    return 2; // not reached: the action was checked above
  },
};

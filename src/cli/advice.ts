import type { Command } from './command.js';
import { intFlag, UsageError } from './errors.js';
import { serverClient } from './server-client.js';

/** `queue/channel` as the CLI writes a queue × channel (a queue name may hold a slash: the channel is after the last one). */
function where(text: string, flag: string): { queue: string; channel: string } {
  const cut = text.lastIndexOf('/');
  if (cut <= 0 || cut === text.length - 1) throw new UsageError(`${flag} "${text}": write the queue × channel as QUEUE/CHANNEL, e.g. billing/voice`);
  return { queue: text.slice(0, cut), channel: text.slice(cut + 1) };
}

/** `X=N`: what and how many (the number after the last "="). */
function counted(text: string, flag: string): [string, string] {
  const cut = text.lastIndexOf('=');
  if (cut <= 0) throw new UsageError(`${flag} "${text}": write it as ${flag === '--pace' ? 'CAMPAIGN=FACTOR, e.g. spring=0.8' : 'QUEUE/CHANNEL=N, e.g. billing/voice=3'}`);
  return [text.slice(0, cut), text.slice(cut + 1)];
}

function factorOf(text: string, flag: string): number {
  const x = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(x) || x < 0 || x > 5) throw new UsageError(`${flag}: the factor must be a number from 0 to 5 (0.8 a fifth slower, 0 paused), got "${text}"`);
  return x;
}

/** The what-if actions from the flags, in the order add, release, move, pace. */
function actionsOf(v: Record<string, unknown>): unknown[] {
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  const n = (text: string, flag: string) => intFlag(flag.slice(2), text, 1, 10_000);
  return [
    ...list('add').map((x) => ((q, k) => ({ action: 'add', ...where(q, '--add'), n: n(k, '--add') }))(...counted(x, '--add'))),
    ...list('release').map((x) => ((q, k) => ({ action: 'release', ...where(q, '--release'), n: n(k, '--release') }))(...counted(x, '--release'))),
    ...list('move').map((x) => {
      const [path, k] = counted(x, '--move');
      const arrow = path.indexOf('>');
      if (arrow <= 0) throw new UsageError(`--move "${x}": write it as FROM_QUEUE/CHANNEL>TO_QUEUE/CHANNEL=N, e.g. sales/voice>billing/voice=2`);
      return { action: 'move', from: where(path.slice(0, arrow), '--move'), to: where(path.slice(arrow + 1), '--move'), n: n(k, '--move') };
    }),
    ...list('pace').map((x) => ((c, f) => ({ action: 'pace', campaign: c, factor: factorOf(f, '--pace') }))(...counted(x, '--pace'))),
  ];
}

type Band = { p10: number; p50: number; p90: number };
const fmt = (b: Band | null, unit = '') => (b ? `${b.p50}${unit} (${b.p10}–${b.p90})` : '—');

export const adviceCommand: Command = {
  name: 'advice',
  summary: 'the recommendations and alerts of a running server: list, acknowledge, and what-if',
  usage: `Usage: ccpulse advice <list|ack ID|whatif> [options] [--url URL] [--api-key KEY]

  list                 the open advice and alerts, most severe first; with --from (and --to) the
                       history of every item alive in that range
  ack ID               acknowledge one (it stays on the board, marked, until its condition clears)
  whatif               the hour ahead simulated from the center as it stands, with the actions given:
      --add QUEUE/CHANNEL=N        add N operators (repeatable)
      --release QUEUE/CHANNEL=N    release N
      --move FROM/CH>TO/CH=N       move N between queues × channels
      --pace CAMPAIGN=FACTOR       a campaign's pace times FACTOR (0.8 a fifth slower, 0 paused)
      --runs N                     simulations of the hour (default 16)

Options:
  --from TIME, --to TIME   with list: ISO 8601 with a zone, or epoch ms
  --limit N                with list --from: at most N items (default 1000)
  --by NAME                with ack: who acknowledges
  --url URL                the ccpulse server (default http://127.0.0.1:8080, env CCPULSE_URL)
  --api-key KEY            when the server has API keys
  --json                   print the server's JSON as is
  -h, --help               show this help`,
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    by: { type: 'string' },
    add: { type: 'string', multiple: true },
    release: { type: 'string', multiple: true },
    move: { type: 'string', multiple: true },
    pace: { type: 'string', multiple: true },
    runs: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(v, args) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError('say what to do: list, ack ID or whatif');
    if (!['list', 'ack', 'whatif'].includes(action)) throw new UsageError(`unknown action "${action}": use list, ack ID or whatif`);
    const only = (flags: string[], with_: string) => {
      for (const f of flags) if (v[f] !== undefined && action !== with_) throw new UsageError(`--${f} goes with ${with_}`);
    };
    only(['from', 'to', 'limit'], 'list');
    only(['by'], 'ack');
    only(['add', 'release', 'move', 'pace', 'runs'], 'whatif');
    if (action !== 'ack' && rest.length) throw new UsageError(`${action} takes no arguments (got "${rest[0]}")`);
    const call = serverClient(v);
    const print = (x: unknown) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x, null, 2)}\n`);

    if (action === 'list') {
      if ((v.to !== undefined || v.limit !== undefined) && v.from === undefined) throw new UsageError('--to and --limit go with --from (the history)');
      const q = new URLSearchParams();
      if (v.from !== undefined) q.set('from', v.from as string);
      if (v.to !== undefined) q.set('to', v.to as string);
      if (v.limit !== undefined) q.set('limit', String(intFlag('limit', v.limit as string, 1, 10_000)));
      const body = await call(`/v1/recommendations${q.size ? `?${q}` : ''}`);
      if (v.json) return print(body), 0;
      if (body.items.length === 0) return print(v.from === undefined ? 'nothing to advise: every queue is on target' : 'no advice or alert in that range'), 0;
      for (const i of body.items) print(`${i.id}  ${i.severity.padEnd(8)} ${i.state.padEnd(12)} ${i.reason}`);
      return 0;
    }
    if (action === 'ack') {
      if (rest.length !== 1) throw new UsageError(`ack takes one id (got ${rest.length}), e.g. ccpulse advice ack r12`);
      if (!/^r[0-9]{1,15}$/.test(rest[0])) throw new UsageError(`"${rest[0]}" is not a recommendation id: ids are r and a number, as "ccpulse advice list" shows them (r12)`);
      const body = await call(`/v1/recommendations/${encodeURIComponent(rest[0])}/ack`, { method: 'POST', body: JSON.stringify(v.by !== undefined ? { by: v.by } : {}) });
      print(v.json ? body : `${body.id} acknowledged${body.acknowledgedBy ? ` by ${body.acknowledgedBy}` : ''}: ${body.reason}`);
      return 0;
    }
    const payload = { actions: actionsOf(v), ...(v.runs !== undefined ? { runs: intFlag('runs', v.runs as string, 1, 50) } : {}) };
    const r = await call('/v1/whatif', { method: 'POST', body: JSON.stringify(payload) });
    if (v.json) return print(r), 0;
    print(`the hour from ${r.at}, ${r.runs} simulations; each figure the median (10th–90th percentile)`);
    for (const s of r.streams) {
      const at = (m: number) => s.steps.find((x: { minute: number }) => x.minute === m);
      const ops = s.operators.withActions === s.operators.now ? `${s.operators.now}` : `${s.operators.now} → ${s.operators.withActions}`;
      print(`${s.queue} ${s.channel}: ${ops} operators; SL in 15 min ${fmt(at(15)?.slPct, ' %')}, in 30 ${fmt(at(30)?.slPct, ' %')}, in 60 ${fmt(at(60)?.slPct, ' %')}; waiting in 30 min ${fmt(at(30)?.waiting)}`);
    }
    for (const c of r.campaigns) {
      const finish = c.finish ? `; finishes ${c.finish.eta ?? 'never at this pace'} (deadline ${c.finish.deadline}: ${c.finish.onTime ? 'on time' : 'late'})` : '';
      print(`campaign ${c.id}: pace ×${c.pace.factor} of ${c.pace.answeredPerHour}/h; answered in the hour ${fmt(c.answered)}, dropped ${fmt(c.dropPct, ' %')} (cap ${c.dropCapPct} %)${finish}`);
    }
    return 0;
  },
};

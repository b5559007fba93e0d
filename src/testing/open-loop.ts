/**
 * Load generation against a running ccpulse over plain node:http, shared by the overload test and
 * `bench/overload.ts`: a closed loop to measure what the server sustains, an open loop that offers a
 * fixed rate whatever the server answers (requests are sent on schedule, not after earlier answers),
 * a /healthz prober and an RSS reader. Nothing here retries: every answer and every socket error is
 * recorded as it happened.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';

const CHANNELS = ['voice', 'telegram', 'webchat', 'whatsapp'];
const STATUSES = ['ready', 'busy', 'acw', 'ready', 'break'];

/**
 * What the events are: `appeals`, lifecycles as a contact center sends them (each appeal is state the
 * server keeps in memory until event time has moved past its end by the allowed lateness), or `status`,
 * operator status changes of 1,000 operators (no state that grows with the number of events).
 */
export type Workload = 'appeals' | 'status';

/**
 * The body of request number `r` of a run: `batch` valid events, JSON array, ids unique per run.
 * Appeal lifecycles are spread over four consecutive requests (NEW in request r, SENT_DISTRIBUTION in
 * r+1, APPOINTED in r+2, CLOSED in r+3), as a channel posting what just happened would send them.
 */
export function batchBody(runId: string, r: number, batch: number, workload: Workload = 'appeals'): string {
  const ts = Date.now();
  const parts: string[] = new Array(batch);
  if (workload === 'status') {
    for (let i = 0; i < batch; i++) {
      const k = r * batch + i;
      parts[i] = `{"id":"${runId}-${r}-${i}","type":"OPERATOR_STATUS","ts":${ts},"operatorId":"op${k % 1000}","status":"${STATUSES[(k >> 3) % STATUSES.length]}"}`;
    }
    return `[${parts.join(',')}]`;
  }
  for (let i = 0; i < batch; i++) {
    const slot = i >> 2;
    const step = i & 3;
    const appeal = `${runId}-a${r - step}-${slot}`;
    const queue = `q${slot % 5}`;
    const channel = CHANNELS[slot % CHANNELS.length];
    const head = `{"id":"${runId}-${r}-${i}","ts":${ts},"appealId":"${appeal}","queue":"${queue}","channel":"${channel}"`;
    parts[i] =
      step === 0
        ? `${head},"type":"APPEAL_NEW"}`
        : step === 1
          ? `${head},"type":"APPEAL_SENT_DISTRIBUTION"}`
          : step === 2
            ? `${head},"type":"APPEAL_APPOINTED","operatorId":"op${slot % 50}"}`
            : `${head},"type":"APPEAL_CLOSED","operatorId":"op${slot % 50}"}`;
  }
  return `[${parts.join(',')}]`;
}

export interface Answer {
  /** HTTP status, or 0 when no HTTP answer came (socket error). */
  status: number;
  ms: number;
  accepted: number;
  duplicates: number;
  /** error.code of an error body. */
  code?: string;
  retryAfter?: string;
  connection?: string;
  /** The socket error when no answer came (ECONNRESET, EPIPE, ...). */
  error?: string;
}

/** One POST /v1/events; never rejects: a socket error is an answer with status 0. */
export function post(agent: http.Agent, port: number, body: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: performance.now() - t0 });
    };
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/events', method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, accepted: 0, duplicates: 0, error: e.code ?? e.message }));
        res.on('end', () => {
          let parsed: { accepted?: number; duplicates?: number; error?: { code?: string } } = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            /* a non-JSON answer is recorded by its status alone */
          }
          finish({
            status: res.statusCode ?? 0,
            accepted: res.statusCode === 202 ? (parsed.accepted ?? 0) : 0,
            duplicates: res.statusCode === 202 ? (parsed.duplicates ?? 0) : 0,
            code: parsed.error?.code,
            retryAfter: res.headers['retry-after'],
            connection: res.headers.connection,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    // 'socket hang up' (the server closed without answering) and 'read ECONNRESET' (a reset) share a code
    req.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, accepted: 0, duplicates: 0, error: e.code === 'ECONNRESET' ? `ECONNRESET (${e.message})` : (e.code ?? e.message) }));
    req.end(body);
  });
}

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const s = Float64Array.from(values).sort();
  const q = (p: number) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] * 10) / 10 : NaN);
  return { count: s.length, p50: q(50), p95: q(95), p99: q(99), max: s.length ? Math.round(s[s.length - 1] * 10) / 10 : NaN };
}

export interface LoadResult {
  mode: 'closed' | 'open';
  /** Offered: requests sent and their events, over the sending window. */
  requests: number;
  offeredEvents: number;
  offeredEventsPerSec: number;
  windowSec: number;
  /** Events acknowledged (sum of `accepted` over every 202), and duplicates among them. */
  accepted: number;
  duplicates: number;
  acceptedEventsPerSec: number;
  /** Answers by HTTP status ("0" = no HTTP answer). */
  statuses: Record<string, number>;
  /** Socket errors by code (no HTTP answer): resets, broken pipes, client timeouts. */
  socketErrors: Record<string, number>;
  /** 503s that were not CCP_OVERLOADED with an integer Retry-After ≥ 1. */
  bad503: number;
  /** Retry-After values seen on 503, by value. */
  retryAfter: Record<string, number>;
  /** 503s that said Connection: close. */
  closed503: number;
  admittedMs: Summary;
  refusedMs: Summary;
  /** When the requests that got no HTTP answer failed (ms after they were sent). */
  failedMs: Summary;
  /** How late the open loop sent, at worst (ms): > a few ms means the generator itself could not keep up. */
  maxSendSlipMs: number;
  /** Requests still unanswered when the driver gave up waiting. */
  unanswered: number;
  /** CPU seconds the load generator itself used (user + system). */
  cpuSec: number;
}

function tally(mode: 'closed' | 'open', answers: Answer[], batch: number, windowSec: number, maxSendSlipMs: number, unanswered: number, cpu: NodeJS.CpuUsage): LoadResult {
  const statuses: Record<string, number> = {};
  const socketErrors: Record<string, number> = {};
  const retryAfter: Record<string, number> = {};
  let accepted = 0;
  let duplicates = 0;
  let bad503 = 0;
  let closed503 = 0;
  const admitted: number[] = [];
  const refused: number[] = [];
  const failed: number[] = [];
  for (const a of answers) {
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    if (a.status === 0) {
      socketErrors[a.error ?? '?'] = (socketErrors[a.error ?? '?'] ?? 0) + 1;
      failed.push(a.ms);
    }
    if (a.status === 202) {
      accepted += a.accepted;
      duplicates += a.duplicates;
      admitted.push(a.ms);
    }
    if (a.status === 503) {
      refused.push(a.ms);
      retryAfter[a.retryAfter ?? 'none'] = (retryAfter[a.retryAfter ?? 'none'] ?? 0) + 1;
      if (a.code !== 'CCP_OVERLOADED' || !/^[1-9]\d*$/.test(a.retryAfter ?? '')) bad503++;
      if (a.connection === 'close') closed503++;
    }
  }
  const requests = answers.length + unanswered;
  return {
    mode,
    requests,
    offeredEvents: requests * batch,
    offeredEventsPerSec: Math.round((requests * batch) / windowSec),
    windowSec,
    accepted,
    duplicates,
    acceptedEventsPerSec: Math.round(accepted / windowSec),
    statuses,
    socketErrors,
    bad503,
    retryAfter,
    closed503,
    admittedMs: summarize(admitted),
    refusedMs: summarize(refused),
    failedMs: summarize(failed),
    maxSendSlipMs: Math.round(maxSendSlipMs),
    unanswered,
    cpuSec: Math.round((cpu.user + cpu.system) / 1e4) / 100,
  };
}

export interface ClosedLoopParams {
  port: number;
  clients: number;
  batch: number;
  workload?: Workload;
  durationSec: number;
  runId: string;
}

/** `clients` keep-alive clients, each posting its next batch as soon as the last is answered: what the server sustains. */
export async function runClosedLoop(p: ClosedLoopParams): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: p.clients });
  const cpu0 = process.cpuUsage();
  const answers: Answer[] = [];
  const t0 = performance.now();
  const end = t0 + p.durationSec * 1000;
  let r = 0;
  await Promise.all(
    Array.from({ length: p.clients }, async () => {
      while (performance.now() < end) {
        const a = await post(agent, p.port, batchBody(p.runId, r++, p.batch, p.workload), 60_000);
        answers.push(a);
        if (a.status !== 202) await new Promise((res) => setTimeout(res, 50));
      }
    }),
  );
  agent.destroy();
  return tally('closed', answers, p.batch, (performance.now() - t0) / 1000, 0, 0, process.cpuUsage(cpu0));
}

export interface OpenLoopParams {
  port: number;
  eventsPerSec: number;
  batch: number;
  workload?: Workload;
  durationSec: number;
  runId: string;
  /** How long to wait for the last answers after the sending window (default 120 s). */
  drainTimeoutMs?: number;
  /** Per-request client timeout (default 300 s: a waiting request is not cut by the client). */
  requestTimeoutMs?: number;
}

/**
 * Sends one batch every batch/eventsPerSec seconds for durationSec, whatever the answers: new
 * connections are opened whenever every open one is busy (an unbounded keep-alive pool), the way many
 * independent integrators would. Then waits for the answers still due.
 */
export async function runOpenLoop(p: OpenLoopParams): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
  const intervalMs = (p.batch * 1000) / p.eventsPerSec;
  const total = Math.floor((p.durationSec * 1000) / intervalMs);
  const cpu0 = process.cpuUsage();
  const answers: Answer[] = [];
  const pending = new Set<Promise<void>>();
  let maxSlip = 0;
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) {
        maxSlip = Math.max(maxSlip, now - (t0 + sent * intervalMs));
        const pr = post(agent, p.port, batchBody(p.runId, sent, p.batch, p.workload), p.requestTimeoutMs ?? 300_000).then((a) => {
          answers.push(a);
          pending.delete(pr);
        });
        pending.add(pr);
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(5, t0 + sent * intervalMs - performance.now())));
    };
    tick();
  });
  const windowSec = (performance.now() - t0) / 1000;
  const drained = await Promise.race([
    Promise.all(pending).then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), p.drainTimeoutMs ?? 120_000).unref()),
  ]);
  const unanswered = drained ? 0 : pending.size;
  agent.destroy();
  return tally('open', answers, p.batch, windowSec, maxSlip, unanswered, process.cpuUsage(cpu0));
}

/** GET /healthz on a keep-alive connection of its own every `everyMs` until stop() — latencies in ms, failures counted. */
export function probeHealth(port: number, everyMs: number, onSample?: (health: Record<string, unknown>, ms: number) => void): { stop: () => Promise<{ ms: Summary; failures: number; last: Record<string, unknown> | null }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ms: number[] = [];
  let failures = 0;
  let last: Record<string, unknown> | null = null;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const h = await getJson(agent, port, '/healthz', 30_000);
        ms.push(performance.now() - t0);
        last = h;
        onSample?.(h, performance.now() - t0);
      } catch {
        failures++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t0))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return { ms: summarize(ms), failures, last };
    },
  };
}

export function getJson<T = Record<string, unknown>>(agent: http.Agent | false, port: number, path: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Resident and peak resident memory of a process, MB (Linux /proc). */
export function rssOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
}

/** USER_HZ, the unit of /proc CPU times: 100 on Linux. */
const clkTck = 100;

/** CPU seconds a process has used so far (all threads), from /proc. */
export function cpuSecOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / clkTck;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSec(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: (total - cpu[3] - (cpu[4] ?? 0)) / clkTck, total: total / clkTck };
}

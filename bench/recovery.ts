/**
 * Recovery after kill -9 at full ingest: a server (embedded store unless BENCH_SERVER_ENV says otherwise)
 * takes BENCH_CLIENTS closed-loop clients posting BENCH_BATCH-event batches for BENCH_RECOVERY_SECONDS,
 * is killed with SIGKILL while they post, and is started again on the same data. Reported: the time from
 * the restart to /healthz answering (the server listens only once it has recovered), how much of it was
 * replaying the log after the last checkpoint, and that every acknowledged event is in the log.
 * For comparison, the start of a fresh server on an empty data dir is measured first.
 *
 *   npm run build && node --import tsx bench/recovery.ts
 *   BENCH_RECOVERY_SECONDS [15]  BENCH_CLIENTS [4]  BENCH_BATCH [500]  BENCH_RECOVERY_RUNS [2]
 *   BENCH_SERVER_ENV ["CCPULSE_CHECKPOINT_MS=500 ..." settings for the servers]
 */
import { getJson, keepAliveAgent, postJson } from './http.js';
import { EventGenerator } from './events.js';
import { cleanupAll, envNumber as num, killAllSync, sleep, startServer, type Health } from './server.js';

const seconds = num('BENCH_RECOVERY_SECONDS', 15);
const clients = num('BENCH_CLIENTS', 4);
const batch = num('BENCH_BATCH', 500);
const runs = num('BENCH_RECOVERY_RUNS', 2);
const serverEnv = Object.fromEntries((process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

type RecoveryHealth = Health & { checkpointLag?: number; recovery?: { replayed: number; loadMs: number; replayMs: number } };

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

async function oneRun(run: number) {
  const s = await startServer({ label: `recovery${run}`, extraEnv: serverEnv, readyTimeoutMs: 180_000 });
  const freshStartMs = s.startupMs;
  const agent = keepAliveAgent(clients);
  let stop = false;
  let acked = 0;
  let maxAckedPosition = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const gen = new EventGenerator(`r${run}-${Date.now()}-c${c}`, 100 * run + c + 1);
    while (!stop) {
      const body = JSON.stringify(gen.batch(batch));
      try {
        const r = await postJson(agent, s.port, '/v1/events', body);
        if (r.status === 202) {
          acked += batch;
          maxAckedPosition = Math.max(maxAckedPosition, r.position);
        }
      } catch {
        return; // the server is gone
      }
    }
  });
  let lastHealth: RecoveryHealth | null = null;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    await sleep(250);
    lastHealth = await getJson<RecoveryHealth>(s.port, '/healthz').catch(() => lastHealth);
  }
  s.child.kill('SIGKILL');
  stop = true;
  await Promise.allSettled(loops);
  agent.destroy();
  await s.stop(); // reaps the killed child
  const rate = Math.round(acked / seconds);

  const r = await startServer({ label: `recovery${run}`, extraEnv: serverEnv, reuseDir: s.dir, readyTimeoutMs: 180_000 });
  const h = await getJson<RecoveryHealth>(r.port, '/healthz');
  await r.stop();
  return {
    run,
    ingestEventsPerSec: rate,
    ackedEvents: acked,
    checkpointLagBeforeKill: lastHealth?.checkpointLag ?? null,
    freshStartMs,
    recoveryMs: r.startupMs,
    // absent on servers from before these figures were on /healthz
    replayed: h.recovery?.replayed ?? null,
    loadCheckpointMs: h.recovery?.loadMs ?? null,
    replayMs: h.recovery?.replayMs ?? null,
    openAppealsAfter: h.openAppeals,
    everyAckedEventKept: h.position >= maxAckedPosition && h.processed >= acked,
  };
}

try {
  const results = [];
  for (let i = 1; i <= runs; i++) {
    const res = await oneRun(i);
    console.log(JSON.stringify(res));
    results.push(res);
  }
} finally {
  await cleanupAll();
}

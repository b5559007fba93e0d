/**
 * Simulator benchmark: the full `campaign` scenario (1.5M contacts, 1,500 agents, 2,500 lines) simulated
 * as fast as possible, in process, no server: runRealtime at speed Infinity into a counting sink, which is
 * the path `ccpulse simulate --scenario campaign --speed max` takes minus the network.
 * Issue #4 wants it under a minute with drops under 3% of answered.
 *
 *   npx tsx bench/sim-campaign.ts
 *
 * Environment (defaults in brackets): BENCH_CAMPAIGN_SEED [1]; BENCH_CAMPAIGN_LIMIT_SECONDS [60], the wall-time
 * goal; BENCH_CAMPAIGN_SERIALIZE [0], 1 = also JSON-encode every batch as NDJSON (what --out pays);
 * BENCH_CAMPAIGN_LINES [the scenario's 2,500], to see the dialer agent-bound rather than line-bound (e.g. 4000);
 * BENCH_OUT [unset], a file to write the report to as JSON.
 * Exit code 1 when a goal is missed.
 */
import { writeFileSync } from 'node:fs';
import type { CcEvent } from '../src/contract/event.js';
import { createSimulation, getScenario, runRealtime } from '../src/sim/index.js';
import { envNumber, machine, machineLine, round, thousands } from './sim-common.js';

interface CampaignCounts {
  dialed: number;
  answered: number;
  dropped: number;
  dropPct: number;
  ratio: number;
}

async function main(): Promise<number> {
  const seed = envNumber('BENCH_CAMPAIGN_SEED', 1);
  const limitSec = envNumber('BENCH_CAMPAIGN_LIMIT_SECONDS', 60);
  const serialize = envNumber('BENCH_CAMPAIGN_SERIALIZE', 0) > 0;
  const m = machine();

  const def = getScenario('campaign', seed);
  const lines = envNumber('BENCH_CAMPAIGN_LINES', def.campaigns![0].lines);
  const cdef = { ...def.campaigns![0], lines };
  const sim = createSimulation({ scenario: { ...def, campaigns: [cdef] }, seed });
  let events = 0;
  // Agents talking (APPOINTED → CLOSED), integrated over event time: how busy the dialer keeps them.
  let talking = 0;
  let maxTalking = 0;
  let talkMs = 0;
  let lastTs = sim.startTime;
  let batches = 0;
  let bytes = 0;
  let peakRss = 0;
  const sink = (batch: CcEvent[]): void => {
    events += batch.length;
    for (const e of batch) {
      talkMs += talking * (e.ts - lastTs);
      lastTs = e.ts;
      if (e.type === 'APPEAL_APPOINTED') maxTalking = Math.max(maxTalking, ++talking);
      else if (e.type === 'APPEAL_CLOSED') talking--;
    }
    if (batches++ % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (serialize) {
      let text = '';
      for (const e of batch) text += `${JSON.stringify(e)}\n`;
      bytes += text.length;
    }
  };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runRealtime({ sim, speed: Infinity, sink });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const st = sim.stats();
  const c = (st as unknown as Record<string, CampaignCounts>)['campaign:spring-promo'];
  const simHours = (sim.now - sim.startTime) / 3_600_000;
  const report = {
    bench: 'sim-campaign',
    machine: m,
    seed,
    serialize,
    wallSec: round(wallMs / 1000, 2),
    cpuSec: round((cpu.user + cpu.system) / 1e6, 2),
    events,
    batches,
    eventsPerSec: Math.round(events / (wallMs / 1000)),
    ndjsonMB: serialize ? round(bytes / 1e6, 1) : undefined,
    peakRssMB: Math.round(peakRss / 1e6),
    simHours: round(simHours, 2),
    speedup: Math.round((simHours * 3_600_000) / wallMs),
    campaign: { agents: cdef.agents, lines, dialed: c.dialed, answered: c.answered, dropped: c.dropped, dropPct: round(c.dropPct, 3), finalRatio: round(c.ratio, 2) },
    agentsTalking: { mean: Math.round(talkMs / (lastTs - sim.startTime)), max: maxTalking, occupancyPct: round((100 * talkMs) / (cdef.agents * (lastTs - sim.startTime)), 1) },
    byType: st.byType,
    goals: { wallUnderSec: limitSec, wallOk: wallMs / 1000 < limitSec, dropUnderPct: 3, dropOk: c.dropPct < 3, listDone: c.dialed === cdef.contacts && sim.done },
  };

  const out = [
    'ccpulse simulator: campaign scenario, as fast as possible, in process (no server)',
    machineLine(m),
    `seed ${seed}${serialize ? ', batches JSON-encoded as NDJSON' : ''}`,
    '',
    `wall time      ${report.wallSec} s   (cpu ${report.cpuSec} s, peak RSS ${report.peakRssMB} MB)`,
    `events         ${thousands(events)} in ${thousands(batches)} batches${serialize ? ` (${report.ndjsonMB} MB NDJSON)` : ''}`,
    `rate           ${thousands(report.eventsPerSec)} events/s`,
    `sim time       ${report.simHours} h of campaign (${thousands(report.speedup)}× real time)`,
    `campaign       dialed ${thousands(c.dialed)}, answered ${thousands(c.answered)} (${round((100 * c.answered) / c.dialed, 1)}%), dropped ${thousands(c.dropped)}`,
    `drop rate      ${round(c.dropPct, 3)}% of answered (cap 3%), final dial ratio ${round(c.ratio, 2)}`,
    `agents         ${thousands(cdef.agents)} on ${thousands(lines)} lines: talking ${thousands(report.agentsTalking.mean)} on average (${report.agentsTalking.occupancyPct}% of the time), ${thousands(maxTalking)} at most`,
    `by type        ${Object.entries(st.byType).map(([k, v]) => `${k.replace('APPEAL_', '')} ${thousands(v)}`).join(', ')}`,
    '',
    `goal: whole list < ${limitSec} s ........ ${report.goals.wallOk && report.goals.listDone ? 'PASS' : 'FAIL'}`,
    `goal: drops < 3% of answered ...... ${report.goals.dropOk ? 'PASS' : 'FAIL'}`,
  ];
  console.log(out.join('\n'));
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(report, null, 2)}\n`);
  return report.goals.wallOk && report.goals.dropOk && report.goals.listDone ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);

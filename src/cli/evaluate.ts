import type { Command } from './command.js';
import { intFlag, UsageError } from './errors.js';
import { parseDuration } from './simulate.js';
import { SCENARIOS, getScenario, type ScenarioDef } from '../sim/index.js';
import { evaluatePolicy, POLICIES, type Policy, type PolicyResult } from '../recommend/evaluate/closed-loop.js';
import { readScenarioFile, ScenarioFileError } from '../recommend/evaluate/scenario-file.js';

/** Scenarios with a finite run, for which a closed loop makes sense. */
const EVALUABLE = Object.keys(SCENARIOS).filter((n) => Number.isFinite(getScenario(n).durationMs ?? Infinity) && !getScenario(n).campaigns?.length && n !== 'center-300-week');

const usage = `Usage: ccpulse evaluate (--scenario NAME | --scenario-file FILE) [--policy follow,ignore,oracle] [options]

Runs a simulated contact center through a real ccpulse engine (in memory, simulated time) and acts on
its advice: follow applies every staffing recommendation as it opens, ignore does nothing, oracle staffs
each 15 minutes for the arrivals that will actually come. Prints, per policy, the share of 15-minute
intervals (per queue × channel) meeting the SL target, abandon %, mean wait and operator-hours.

Options:
  --scenario NAME        ${EVALUABLE.join(', ')}
  --scenario-file FILE   a scenario as JSON, in the simulator's format (see docs/RECOMMENDATIONS.md)
  --policy LIST          follow, ignore, oracle, or a comma list (default all three)
  --seed N               random seed (default 1)
  --duration D           simulated length, e.g. 90m, 2h (default the scenario's; at most 24h)
  --json                 the results as JSON
  -h, --help             this text

Example:
  ccpulse evaluate --scenario understaffed --policy follow,ignore,oracle`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Prove the advice in closed loop: a simulated center run with the recommendations followed, ignored, or an oracle',
  usage,
  options: {
    scenario: { type: 'string' },
    'scenario-file': { type: 'string' },
    policy: { type: 'string' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v) {
    if ((v.scenario === undefined) === (v['scenario-file'] === undefined)) throw new UsageError('give one of --scenario NAME or --scenario-file FILE');
    let scenario: string | ScenarioDef;
    if (v.scenario !== undefined) {
      const name = v.scenario as string;
      if (!EVALUABLE.includes(name)) throw new UsageError(`--scenario: unknown or not evaluable "${name}"; use one of ${EVALUABLE.join(', ')}`);
      scenario = name;
    } else {
      try {
        scenario = readScenarioFile(v['scenario-file'] as string);
      } catch (err) {
        if (err instanceof ScenarioFileError) throw new UsageError(`--scenario-file: ${err.message}`);
        throw err;
      }
    }
    const policies = ((v.policy as string | undefined) ?? POLICIES.join(',')).split(',').map((p) => p.trim());
    for (const p of policies) if (!POLICIES.includes(p as Policy)) throw new UsageError(`--policy: unknown "${p}"; use ${POLICIES.join(', ')} (a comma list for several)`);
    const seed = v.seed === undefined ? 1 : intFlag('seed', v.seed as string, 0, 2 ** 31 - 1);
    let durationMs: number | undefined;
    if (v.duration !== undefined) {
      try {
        durationMs = parseDuration(v.duration as string);
      } catch (err) {
        throw new UsageError(`--duration: ${(err as Error).message}`);
      }
      if (!(durationMs >= 15 * 60_000 && durationMs <= 86_400_000)) throw new UsageError(`--duration must be from 15m to 24h, got "${v.duration as string}"`);
    }
    const results: PolicyResult[] = [];
    for (const policy of new Set(policies) as Set<Policy>) {
      process.stderr.write(`evaluating ${policy}…\n`);
      results.push(await evaluatePolicy({ scenario, seed, policy, durationMs }));
    }
    process.stdout.write(`${v.json ? JSON.stringify(results, null, 2) : table(results)}\n`);
    return 0;
  },
};

function table(rs: PolicyResult[]): string {
  const lines = [
    `scenario ${rs[0].scenario}, seed ${rs[0].seed}: ${rs[0].intervals} intervals (15 min × queue × channel with traffic)`,
    '',
    'policy   intervals meeting SL   abandon %   mean wait   operator-hours   added / released / moved',
  ];
  for (const r of rs) {
    lines.push(`${r.policy.padEnd(8)} ${`${r.intervalsMeetingSlPct} %`.padStart(20)}   ${`${r.abandonPct} %`.padStart(9)}   ${`${r.meanWaitSec} s`.padStart(9)}   ${String(r.operatorHours).padStart(14)}   ${r.added} / ${r.released} / ${r.moved}`);
  }
  return lines.join('\n');
}

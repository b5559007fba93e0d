import os from 'node:os';

/** Shared bits of the simulator benchmarks (bench/sim-campaign.ts, bench/sim-highload.ts). */

export interface Machine {
  cpu: string;
  cores: number;
  availableParallelism: number;
  memoryGb: number;
  os: string;
  node: string;
  loadavg: number[];
  date: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavg: os.loadavg().map((v) => round(v, 2)),
    date: new Date().toISOString(),
  };
}

export function machineLine(m: Machine): string {
  return `machine: ${m.cpu}, ${m.cores} cores (${m.availableParallelism} available), ${m.memoryGb} GB, ${m.os}, node ${m.node}, load ${m.loadavg.join(' ')}`;
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const thousands = (x: number): string => Math.round(x).toLocaleString('en-US');

/** A non-negative number from the environment, or the default. */
export function envNumber(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

import { Counter, Histogram } from 'prom-client';
import { StageMeters } from './stage-meter.js';

/**
 * What one engine measures of itself as it runs, for /metrics: the stages' USE counters, storage call
 * latency by operation, checkpoint durations, and the ingest counters. The metric objects belong to no
 * registry here: each app's registry takes them (src/observe/prometheus.ts), so two engines in one
 * process (the tests) never share a count.
 */
export class PipelineTelemetry {
  readonly stages = new StageMeters();

  readonly storageDuration = new Histogram({
    name: 'ccpulse_storage_operation_duration_seconds',
    help: 'Storage calls by operation (the Storage method) and outcome (ok, error)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [],
  });

  readonly checkpointDuration = new Histogram({
    name: 'ccpulse_checkpoint_duration_seconds',
    help: "Checkpoint commits' duration (rollup deltas, dead letters and state stored with the log position they cover)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });

  readonly ingestEvents = new Counter({
    name: 'ccpulse_ingest_events_total',
    help: 'Events posted to /v1/events by outcome: accepted (logged), duplicate (an id already logged), rejected (invalid; by reason in ccpulse_ingest_rejected_total)',
    labelNames: ['outcome'] as const,
    registers: [],
  });

  readonly ingestRejected = new Counter({
    name: 'ccpulse_ingest_rejected_total',
    help: 'Events rejected by validation, by the first field found wrong (a field of the event contract, or "body" for an item that is not an object)',
    labelNames: ['reason'] as const,
    registers: [],
  });

  constructor() {
    // every series present from the start, so a rate over them is defined before the first event
    for (const outcome of ['accepted', 'duplicate', 'rejected']) this.ingestEvents.inc({ outcome }, 0);
  }

  storageCall(operation: string, seconds: number, ok: boolean): void {
    this.storageDuration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
  }
}

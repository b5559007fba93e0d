import type { LoggedEvent } from '../contract/event.js';

/**
 * A pipeline step looks at one logged event and says what became of it. Steps never write to the
 * dead-letter queue themselves: the processor does that in one place for every step.
 */
export type StepResult =
  | { kind: 'ok' }
  | { kind: 'drop'; reason: string }
  | { kind: 'deadLetter'; reason: string };

export interface Step {
  readonly name: string;
  run(event: LoggedEvent): StepResult;
}

export const ok: StepResult = { kind: 'ok' };
export const drop = (reason: string): StepResult => ({ kind: 'drop', reason });
export const deadLetter = (reason: string): StepResult => ({ kind: 'deadLetter', reason });

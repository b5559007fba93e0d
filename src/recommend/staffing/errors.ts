/**
 * A staffing input outside its domain. `field` names the offending input exactly as the caller spelled
 * it (`ahtSec`, `concurrency`, …) so an HTTP layer can answer 400 with it and a CLI can point at the flag.
 */
export class StaffingInputError extends Error {
  override name = 'StaffingInputError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/**
 * The queue would have to be followed over millions of states: patience so long, at this load and
 * staffing, that the model is Erlang C in all but name and the backlog is enormous. Blamed on
 * patienceSec, the input that makes it so; the erlang-c model (or more agents) answers instead.
 */
export class QueueTooLongError extends StaffingInputError {
  override name = 'QueueTooLongError';

  constructor(states: number) {
    super('patienceSec', `is so long for this load and staffing that the queue would need over ${states} states to solve; use the erlang-c model or more agents`);
  }
}

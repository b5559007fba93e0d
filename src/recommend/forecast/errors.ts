/**
 * A forecast input outside its domain: a negative count, a bucket that is not a minute, minutes given
 * out of order, an option out of range. `field` names the input as the caller spelled it, as
 * StaffingInputError does, so the engine can log which stream fed what.
 */
export class ForecastInputError extends Error {
  override name = 'ForecastInputError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** `value` as a finite number in [min, max], or a ForecastInputError naming `field`. */
export function checkRange(field: string, value: unknown, min: number, max: number, opts: { minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ForecastInputError(field, `must be a finite number, got ${String(value)}`);
  if (opts.minExclusive ? value <= min : value < min) throw new ForecastInputError(field, `must be ${opts.minExclusive ? 'greater than' : 'at least'} ${min}, got ${value}`);
  if (opts.maxExclusive ? value >= max : value > max) throw new ForecastInputError(field, `must be ${opts.maxExclusive ? 'less than' : 'at most'} ${max}, got ${value}`);
  return value;
}

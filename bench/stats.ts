// Summaries of repeated measurements: a bench's verdict is a median with its spread, never one
// number from one run.

/** The middle of `values` and how far they spread. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many values it summarises. */
  readonly n: number;
}

/** The median (the mean of the two middle values for an even count), min and max. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spreadOf needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** Nearest-rank percentile of values sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** `1.03 (0.97–1.10)`: a spread as the tables show it, with `digits` decimals. */
export function formatSpread(spread: Spread, digits = 2): string {
  const f = (value: number) => value.toFixed(digits);
  return `${f(spread.median)} (${f(spread.min)}–${f(spread.max)})`;
}

/** `+58`, `-34`: a difference with its sign (noise can put an app below its floor). */
export function signed(value: number): string {
  const rounded = Math.round(value);
  return rounded < 0 ? `${rounded}` : `+${rounded}`;
}

/** A spread of differences, signed: `+12 (-30 to +41)`. */
export function formatSignedSpread(spread: Spread): string {
  return `${signed(spread.median)} (${signed(spread.min)} to ${signed(spread.max)})`;
}

/** `value` rounded to `digits` decimals, as a number (for results.json). */
export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** A spread rounded for results.json. */
export function roundSpread(spread: Spread, digits: number): Spread {
  return {
    median: round(spread.median, digits),
    min: round(spread.min, digits),
    max: round(spread.max, digits),
    n: spread.n,
  };
}

/**
 * Shorthand for writing the observability schemas and their rules. Internal: the schemas in the
 * sibling files are the public surface.
 */
import { Schema } from '../../../src/schema-builders';

export * from '../../../src/schema-builders';

/**
 * Go's `time.ParseDuration` (`10m`, `1h30m`, `0`). Only the string form: yaml.v2 would also take
 * a bare integer as nanoseconds, which in a config file is always a slip (`10` is 10ns).
 */
const GO_DURATION = '^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';
export const goDuration: Schema = { type: 'string', pattern: GO_DURATION };

/**
 * Prometheus' `model.ParseDuration`, which Loki uses for its limits and schema periods: whole
 * numbers, units largest first (`744h`, `31d`, `1w2d`), no fractions.
 */
const PROM_DURATION = '^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$';
export const promDuration: Schema = { type: 'string', pattern: PROM_DURATION };

const PROM_UNITS_MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a Prometheus duration string, or undefined when Loki would reject it. */
export function promDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '' || !new RegExp(PROM_DURATION, 'u').test(value)) return undefined;
  if (value === '0') return 0;
  let total = 0;
  for (const m of value.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * PROM_UNITS_MS[m[2]];
  return total;
}

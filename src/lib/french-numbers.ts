/**
 * Numbers as people type them in French forms: "12,50", "12.50", "1 234,5", "0,36 %",
 * "12,50 €". Read exactly into a scaled integer (cents, basis points, millionths) from
 * the digits themselves: no float ever decides a cent.
 */

// Spaces people put in numbers: ordinary, no-break (U+00A0) and narrow no-break (U+202F).
const SPACES = /[\s\u00a0\u202f]/g;
const DECIMAL = /^(\d{1,9})(?:[.,](\d+))?$/;

/**
 * `typed` × 10^`decimals` as an integer, or undefined when it is not a non-negative number
 * with at most `decimals` digits after the comma. A trailing `unit` ("€", "%") is allowed.
 */
export function parseScaled(typed: string, decimals: number, unit?: '€' | '%'): number | undefined {
  let value = typed.replace(SPACES, '');
  if (unit && value.endsWith(unit)) value = value.slice(0, -unit.length);
  const match = DECIMAL.exec(value);
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return undefined;
  return Number(match[1]) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
}

/** "12,50 €" → 1250 cents. */
export const parseEurosToCents = (typed: string) => parseScaled(typed, 2, '€');

/** A scaled integer back as the form shows it: 1250 with 2 decimals → "12,5"… "12,50" for money. */
export function formatScaled(value: number, decimals: number, minDecimals = 0): string {
  const whole = Math.trunc(value / 10 ** decimals);
  let fraction = String(value % 10 ** decimals).padStart(decimals, '0');
  while (fraction.length > minDecimals && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return fraction ? `${whole},${fraction}` : String(whole);
}

import type { z } from 'zod';

export interface FieldError {
  /** The input's id (= name = zod key), for the error summary's link. */
  field: string;
  message: string;
}

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldError[]; values: Record<string, string> };

/** Arrays in scalar fields (HTTP parameter pollution) are reduced to their first value. */
export function formValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    const v = Array.isArray(value) ? value[0] : value;
    if (typeof v === 'string') values[key] = v;
  }
  return values;
}

/**
 * Validates a form body with its zod schema. On failure: one French message per field
 * (the first), in the form's order, and the typed values to show again. Password fields
 * are never sent back.
 */
/**
 * One error per field, the first zod gives (a field's later issues repeat what is wrong
 * with it), after the `known` errors a form found itself, whose fields zod's then skip.
 */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], known: readonly FieldError[] = []): FieldError[] {
  const seen = new Set(known.map((e) => e.field));
  const errors = [...known];
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '');
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ field, message: issue.message });
  }
  return errors;
}

export function parseForm<S extends z.ZodType>(schema: S, body: unknown, options: { secret?: string[] } = {}): FormResult<z.infer<S>> {
  const values = formValues(body);
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors = fieldErrors(result.error.issues);
  for (const key of options.secret ?? []) delete values[key];
  return { ok: false, errors, values };
}

/** Errors keyed by field, for the views. */
export function errorMap(errors: FieldError[]): Record<string, string> {
  return Object.fromEntries(errors.map((e) => [e.field, e.message]));
}

/**
 * The first `max` UTF-16 units of a typed value, never cutting a character outside the
 * basic plane in two: a lone surrogate left by `slice` makes PostgreSQL refuse the json
 * it ends up in (the session, an import's report) — a 500 for an emoji at the boundary.
 */
export function clip(value: string, max: number): string {
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A local path of the town's site to return to after "Rester connecté", never another site. */
export function safeReturn(value: string | undefined, fallback: string): string {
  return value && /^\/[a-z][a-z0-9-]*\/[^/\\]*/.test(value) && !value.startsWith('//') ? value : fallback;
}

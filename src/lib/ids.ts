/**
 * A canonical UUID, as PostgreSQL prints them. Ids from URLs and forms are checked with it
 * before any query: PostgreSQL would refuse anything else with an error (a 500), where the
 * user must get the 404 of "no such thing".
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

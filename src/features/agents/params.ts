import type { Request } from 'express';

/** A path parameter as a string ('' when absent): the service then finds nothing, a 404. */
export function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

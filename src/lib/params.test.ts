import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from './errors.js';
import { idParam, param } from './params.js';

const req = (params: Record<string, unknown>) => ({ params }) as unknown as Request;

describe('path parameters', () => {
  it('read an id in lower case, and answer anything else with a 404', () => {
    expect(idParam(req({ id: 'A1B2C3D4-0000-4000-8000-000000000001' }), 'id')).toBe('a1b2c3d4-0000-4000-8000-000000000001');
    expect(() => idParam(req({ id: "1' or '1'='1" }), 'id')).toThrow(NotFoundError);
    expect(() => idParam(req({}), 'id')).toThrow(NotFoundError);
  });

  it('read any other parameter as a string, empty when absent', () => {
    expect(param(req({ slug: 'cantine' }), 'slug')).toBe('cantine');
    expect(param(req({}), 'slug')).toBe('');
  });
});

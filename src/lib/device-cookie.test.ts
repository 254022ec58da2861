import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { DEVICE_TTL_MS, deviceNonce, parseDevices, rememberDevice } from './device-cookie.js';

const config = { secureCookies: false, sessionSecret: 'a-secret-of-thirty-two-characters-or-more' } as Config;
const now = new Date('2026-11-23T10:00:00Z');
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Runs rememberDevice against a browser holding `cookie`, and returns the cookie it sets. */
function remember(cookie: string | undefined, subject: `parent-${string}` | `agent-${string}`, at = now): string {
  let value = '';
  const req = { headers: { cookie: cookie === undefined ? undefined : `ef.sid=x; ef.device=${cookie}` } } as unknown as Request;
  const res = { cookie: (_name: string, v: string) => (value = v) } as unknown as Response;
  rememberDevice(req, res, config, subject, at);
  return value;
}

const reqWith = (cookie: string) => ({ headers: { cookie: `ef.device=${cookie}` } }) as unknown as Request;

describe('device cookies', () => {
  it('name the account they were given for, and only it', () => {
    const cookie = remember(undefined, `parent-${id(1)}`);
    expect(deviceNonce(reqWith(cookie), config, `parent-${id(1)}`, now)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(deviceNonce(reqWith(cookie), config, `parent-${id(2)}`, now)).toBeUndefined();
    expect(deviceNonce(reqWith(cookie), config, `agent-${id(1)}`, now)).toBeUndefined();
  });

  it('are refused when changed, signed with another secret, or too old', () => {
    const cookie = remember(undefined, `parent-${id(1)}`);
    const tampered = cookie.replace(id(1), id(2));
    expect(parseDevices(tampered, config.sessionSecret, now)).toEqual([]);
    expect(parseDevices(cookie, 'another-secret-of-thirty-two-characters', now)).toEqual([]);
    expect(parseDevices(cookie, config.sessionSecret, new Date(now.getTime() + DEVICE_TTL_MS - 1000))).toHaveLength(1);
    expect(parseDevices(cookie, config.sessionSecret, new Date(now.getTime() + DEVICE_TTL_MS))).toEqual([]);
    expect(parseDevices('n%00importe;quoi', config.sessionSecret, now)).toEqual([]);
  });

  it('keep the last five accounts of a shared browser, the newest first, one entry each', () => {
    let cookie: string | undefined;
    for (let n = 1; n <= 6; n++) cookie = remember(cookie, `parent-${id(n)}`);
    cookie = remember(cookie, `parent-${id(4)}`);
    const subjects = parseDevices(cookie, config.sessionSecret, now).map((e) => e.subject);
    expect(subjects).toEqual([id(4), id(6), id(5), id(3), id(2)].map((s) => `parent-${s}`));
  });
});

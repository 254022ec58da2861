import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config.js';

/**
 * OWASP's "device cookie": a browser that signed in to an account (or reset its password)
 * gets a signed, HttpOnly cookie naming that account, and sign-in throttling trusts it
 * (src/lib/lockout.ts). It proves nothing by itself (the password is still checked); it only
 * tells the owner's browser apart from a stranger's, so a stranger's failures never lock the
 * owner out. One cookie holds the last few accounts of the browser (a shared family computer).
 *
 * An entry is `<subject>.<nonce>.<issued, epoch seconds>.<HMAC>`, entries joined with `~`.
 * The subject is `parent-<account id>` or `agent-<agent id>`; the nonce names the entry so its
 * own failures can be counted.
 */
export const DEVICE_COOKIE = 'ef.device';
export const DEVICE_TTL_MS = 180 * 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 5;

export type DeviceSubject = `parent-${string}` | `agent-${string}`;

export interface DeviceEntry {
  subject: string;
  nonce: string;
  issuedAt: number;
}

export function deviceCookieName(config: Config): string {
  return config.secureCookies ? `__Host-${DEVICE_COOKIE}` : DEVICE_COOKIE;
}

function mac(secret: string, payload: string): string {
  // A key of its own, derived from the session secret: a device entry is never a valid session signature.
  const key = crypto.createHmac('sha256', secret).update('ef.device-cookie/v1').digest();
  return crypto.createHmac('sha256', key).update(payload).digest('base64url');
}

function encode(secret: string, entry: DeviceEntry): string {
  const payload = `${entry.subject}.${entry.nonce}.${Math.floor(entry.issuedAt / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The valid, unexpired entries of a cookie value; anything tampered with is dropped. */
export function parseDevices(value: string | undefined, secret: string, now: Date): DeviceEntry[] {
  if (!value || value.length > 4000) return [];
  const entries: DeviceEntry[] = [];
  for (const raw of value.split('~').slice(0, MAX_ENTRIES)) {
    const match = /^((parent|agent)-[0-9a-f-]{36})\.([A-Za-z0-9_-]{16,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!match) continue;
    const [, subject, , nonce, issued, signature] = match;
    const expected = Buffer.from(mac(secret, `${subject}.${nonce}.${issued}`));
    const given = Buffer.from(signature!);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) continue;
    const issuedAt = Number(issued) * 1000;
    if (issuedAt > now.getTime() + 60_000 || now.getTime() - issuedAt >= DEVICE_TTL_MS) continue;
    entries.push({ subject: subject!, nonce: nonce!, issuedAt });
  }
  return entries;
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    if (part.startsWith(`${name}=`)) return part.slice(name.length + 1);
  }
  return undefined;
}

/** The nonce of this browser's entry for the subject, if it holds a valid one. */
export function deviceNonce(req: Request, config: Config, subject: DeviceSubject, now: Date): string | undefined {
  return parseDevices(readCookie(req, deviceCookieName(config)), config.sessionSecret, now).find((e) => e.subject === subject)?.nonce;
}

/** Gives this browser a fresh entry for the subject, first in the cookie, keeping the others still valid. */
export function rememberDevice(req: Request, res: Response, config: Config, subject: DeviceSubject, now: Date): void {
  const name = deviceCookieName(config);
  const others = parseDevices(readCookie(req, name), config.sessionSecret, now).filter((e) => e.subject !== subject);
  const fresh: DeviceEntry = { subject, nonce: crypto.randomBytes(16).toString('base64url'), issuedAt: now.getTime() };
  const value = [fresh, ...others]
    .slice(0, MAX_ENTRIES)
    .map((e) => encode(config.sessionSecret, e))
    .join('~');
  res.cookie(name, value, {
    httpOnly: true,
    // Only our own sign-in forms need it, and they post from our own pages.
    sameSite: 'strict',
    secure: config.secureCookies,
    path: '/',
    maxAge: DEVICE_TTL_MS,
  });
}

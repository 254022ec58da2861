import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../config.js';
import { FixedClock } from '../../lib/clock.js';
import { BuiltinProvider, signBankNotification } from './builtin-provider.js';
import { providerFor } from './providers.js';

/** The provider registry and the built-in bank's signatures, without a database (identify never reads one). */

const clock = new FixedClock('2026-12-02T09:00:00Z');
const config = (env: Config['env'], secret = 'secret-one-secret-one-secret-one-0123') => ({ env, sessionSecret: secret }) as Config;
const ctx = (c: Config) => ({ pool: {} as pg.Pool, clock, config: c });
const sent = {
  operation: 'BANK-1',
  payment: 'p-1',
  status: 'paid' as const,
  amount: 760,
  reference: 'EFABC',
  timestamp: clock.now().getTime(),
};

describe('providerFor', () => {
  it('gives the built-in bank outside production and refuses it in production, whatever the town chose', () => {
    expect(providerFor('builtin', ctx(config('development')))?.name).toBe('builtin');
    expect(providerFor('builtin', ctx(config('test')))?.name).toBe('builtin');
    expect(providerFor('builtin', ctx(config('production')))).toBeUndefined();
  });

  it('knows no other name (counter and direct debit take no online payment)', () => {
    expect(providerFor('counter', ctx(config('test')))).toBeUndefined();
    expect(providerFor('nope', ctx(config('test')))).toBeUndefined();
  });
});

describe('the built-in bank’s signed notification', () => {
  const bank = new BuiltinProvider(ctx(config('test')));
  const call = (body: Record<string, string>) => ({ query: {}, body, headers: {} });

  it('is believed when signed with the key derived from this app’s session secret', () => {
    const identified = bank.identify(call(signBankNotification(config('test'), sent)));
    expect(identified).toMatchObject({
      ok: true,
      providerPaymentId: 'BANK-1',
      result: { status: 'paid', amountCents: 760, reference: 'EFABC' },
    });
  });

  it('is forged when signed under another secret, or when any signed field changed', () => {
    const other = signBankNotification(config('test', 'another-secret-another-secret-0123456'), sent);
    expect(bank.identify(call(other))).toMatchObject({ ok: false, reason: 'forged' });
    const good = signBankNotification(config('test'), sent);
    for (const [field, value] of [
      ['status', 'refused'],
      ['amount', '761'],
      ['reference', 'EFABD'],
      ['operation', 'BANK-2'],
      ['payment', 'p-2'],
    ] as const) {
      expect(bank.identify(call({ ...good, [field]: value })), field).toMatchObject({ ok: false, reason: 'forged' });
    }
  });

  it('is refused when older than an hour, and malformed when a field is missing or not a number', () => {
    const old = signBankNotification(config('test'), { ...sent, timestamp: sent.timestamp - 61 * 60 * 1000 });
    expect(bank.identify(call(old))).toEqual({ ok: false, reason: 'forged', detail: 'signature périmée (opération BANK-1)' });
    const good = signBankNotification(config('test'), sent);
    expect(bank.identify(call({ ...good, amount: '7,60' }))).toMatchObject({ ok: false, reason: 'malformed' });
    const { signature: _s, ...unsigned } = good;
    expect(bank.identify(call(unsigned))).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

import { describe, expect, it } from 'vitest';
import { QUEUES, shortestRetrySpanSeconds } from './queues.js';

const HOUR = 60 * 60;

describe('mail queue retries', () => {
  it('keep trying a mail for at least a day, so an SMTP outage of a day loses none', () => {
    expect(shortestRetrySpanSeconds(QUEUES.mail.options)).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it("follow pg-boss's curve: doubling from retryDelay, capped at retryDelayMax", () => {
    // 10 + 20 + 40 + 50 (the fourth wait, 80, is capped at 50).
    expect(shortestRetrySpanSeconds({ retryLimit: 4, retryDelay: 10, retryBackoff: true, retryDelayMax: 50 })).toBe(120);
    expect(shortestRetrySpanSeconds({ retryLimit: 3, retryDelay: 30 })).toBe(90);
  });
});

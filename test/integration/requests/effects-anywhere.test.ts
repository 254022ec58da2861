import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { ServiceContext } from '../../../src/deps.js';
import { agentTransition } from '../../../src/features/requests/requests.service.js';
import { FixedClock } from '../../../src/lib/clock.js';
import { findTownBySlug } from '../../../src/repositories/towns.repository.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createActivity, createFamilyWithChild, enrol } from '../reservations/helpers.js';

/**
 * A request's decision runs the effects of its type wherever it is made: a page, a job, a
 * script. No router is built here, so no router can have prepared anything (the effects were
 * once registered by building the absences and agents' activities routers: decided
 * elsewhere, an accepted absence justified no day).
 */
let db: TestDatabase;
let ctx: ServiceContext;

beforeAll(async () => {
  db = await createTestDatabase();
  ctx = {
    pool: db.pool,
    clock: new FixedClock(new Date('2026-12-01T09:00:00Z')),
    config: loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      PUBLIC_BASE_URL: 'http://portail.test',
      LOG_LEVEL: 'silent',
    }),
  };
});
afterAll(() => db.drop());

const acting = { agentId: null, actorLabel: 'Script de test', ip: null };

/** An absence of Léa on 17/12/2026, reported and waiting for the services. */
async function absenceRequest() {
  const town = (await findTownBySlug(db.pool, 'tarnos'))!;
  const fam = await createFamilyWithChild(db.pool, 'tarnos', 'MARTINEZ', 'Léa');
  const activityId = await createActivity(db.pool, 'tarnos', { name: `Restauration ${Math.random().toString(36).slice(2, 6)}` });
  const enrolmentId = await enrol(db.pool, 'tarnos', activityId, fam.childId);
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into requests (town_id, family_id, child_id, type, status, summary) values ($1, $2, $3, 'absence', 'sent', 'Absence de Léa') returning id`,
    [town.id, fam.familyId, fam.childId],
  );
  const requestId = rows[0]!.id;
  await db.pool.query(
    `insert into absence_days (town_id, request_id, activity_id, enrolment_id, child_id, day, was_reserved) values ($1, $2, $3, $4, $5, '2026-12-17', true)`,
    [town.id, requestId, activityId, enrolmentId, fam.childId],
  );
  const justified = async () =>
    (await db.pool.query<{ justified: boolean }>(`select justified from absence_days where request_id = $1`, [requestId])).rows[0]!
      .justified;
  return { town, requestId, justified };
}

describe('a decision made without any page', () => {
  it('justifies the days of an accepted absence', async () => {
    const a = await absenceRequest();
    const result = await agentTransition(ctx, a.town, acting, a.requestId, 'accepted', '');
    expect(result.ok).toBe(true);
    expect(await a.justified()).toBe(true);
  });

  it('leaves the days of a refused absence unjustified, with the outcome recorded', async () => {
    const b = await absenceRequest();
    const result = await agentTransition(ctx, b.town, acting, b.requestId, 'refused', 'Pas de justificatif');
    expect(result.ok).toBe(true);
    expect(await b.justified()).toBe(false);
    const { rows } = await db.pool.query<{ outcome: unknown }>(`select outcome from requests where id = $1`, [b.requestId]);
    expect(rows[0]!.outcome).toEqual({ justifiedDays: 0 });
  });
});

import type supertest from 'supertest';
import { startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import type { TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import {
  createActivity,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  town,
} from '../../helpers/fixtures.js';
import type { ServiceContext } from '../../../src/deps.js';

/** What the parents' billing tests share: a family invoiced for a month by the real run, and its parent signed in. */

export const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };

export function serviceContext(t: TestApp): ServiceContext {
  return { pool: t.db.pool, clock: t.clock, config: t.config };
}

let sites = 0;

/** A régie with one activity priced by the default brackets (QF 1100–1499 → 3,80 €), meals or childcare. */
export async function regieWithActivity(t: TestApp, slug: string, o: { name?: string; category?: 'repas' | 'garde' } = {}) {
  const db = t.db.pool;
  // One name for every test's activity (the lines copy it): the site keeps each one unique.
  sites += 1;
  const activityId = await createActivity(db, slug, { name: o.name ?? 'Restauration scolaire', site: `École ${sites}` });
  const regieId = await createRegie(db, slug, { activityIds: [activityId] });
  await createTariff(db, slug, activityId, { category: o.category ?? 'repas' });
  return { activityId, regieId, townId: (await town(db, slug)).id };
}

/** Runs the month's invoicing of a régie through the service and its job, as an agent's click does. */
export async function invoiceMonth(t: TestApp, townId: string, regieId: string, month = '2026-11') {
  const started = await startInvoicingRun(serviceContext(t), townId, actor, regieId, month);
  if (!started.ok) throw new Error(started.message);
  await t.jobs.runDue('invoicing');
  const run = await invoices.findRun(t.db.pool, townId, started.runId);
  if (run?.status !== 'done') throw new Error(`run ${run?.status}: ${run?.failure}`);
}

/**
 * A family with a parent's account and one child (born 2021: under 6 until 2027) enrolled
 * in the activity, with QF 1200: on `present` days booked and present, on `absent` days
 * booked and absent without a justification.
 */
export async function bookedFamily(
  t: TestApp,
  slug: string,
  activityId: string,
  o: { name: string; present?: string[]; absent?: string[]; childName?: string; birthDate?: string | null },
) {
  const db = t.db.pool;
  const family = await createFamily(db, slug, { name: o.name });
  const parent = await createParent(db, slug, { familyId: family.id, lastName: o.name });
  const childId = await createChild(db, slug, family.id, {
    firstNames: o.childName ?? 'Emma',
    lastName: o.name,
    birthDate: o.birthDate === undefined ? '2021-03-01' : o.birthDate,
  });
  await createQuotient(db, slug, { familyId: family.id, qf: 1200 });
  const enrolmentId = await enrol(t, slug, activityId, childId, o);
  return { familyId: family.id, parent, childId, enrolmentId };
}

/** Enrols a child and books its days (present or absent, sheet recorded). */
export async function enrol(
  t: TestApp,
  slug: string,
  activityId: string,
  childId: string,
  o: { present?: string[]; absent?: string[] },
): Promise<string> {
  const db = t.db.pool;
  const enrolmentId = await createEnrolment(db, slug, { activityId, childId });
  for (const [days, present] of [
    [o.present ?? [], true],
    [o.absent ?? [], false],
  ] as const) {
    for (const day of days) {
      await createReservation(db, slug, { activityId, enrolmentId, childId, day, status: 'booked' });
      await createAttendance(db, slug, { activityId, enrolmentId, childId, day, present, reserved: true });
    }
  }
  return enrolmentId;
}

export async function signedIn(t: TestApp, slug: string, parent: { username: string; password: string }): Promise<supertest.Agent> {
  const agent = t.agent();
  const res = await signIn(agent, slug, parent.username, parent.password);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return agent;
}

/** The family's invoices as a parent may see them, newest first. */
export async function invoicesOf(t: TestApp, townId: string, familyId: string, accountId: string | null = null) {
  return invoices.listFamilyInvoices(t.db.pool, townId, familyId, accountId);
}

/** A PDF download as supertest gives it: the bytes. */
export function binary(res: supertest.Response, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

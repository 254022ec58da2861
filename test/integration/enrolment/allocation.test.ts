import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rankCandidates } from '../../../src/features/enrolment/allocation.js';
import { insertApplication, listApplications, saveEnrolmentSettings } from '../../../src/repositories/enrolment.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import {
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createRequest,
  setBillingSettings,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { signIn } from '../../helpers/auth.js';
import { postForm, signedInAgent } from '../requests/helpers.js';
import { NOW, OPEN, offeredActivity } from './helpers.js';

/**
 * Scarce places (issue 16): 200 applications in the first hour for 20 places. "Attribuer les
 * places" ranks them by the published criteria and a recorded draw, accepts the first 20 in
 * one transaction and gives the others their rank; the ranking replays from its seed.
 */

const SLUG = 'tarnos';
const OPENS = new Date('2026-12-02T08:00:00Z');
let t: TestApp;
const db = () => t.db.pool;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  await setBillingSettings(db(), SLUG, { residentPostalCodes: ['40220'] });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
  t.clock.set(NOW);
});

interface Applicant {
  familyId: string;
  childId: string;
  requestId: string;
  resident: boolean;
  sibling: boolean;
}

/** `n` families applying for one child each, the i-th at OPENS + offset(i); one in 2 resident, one in 20 with a sibling enrolled. */
async function applicants(activityId: string, n: number, offset: (i: number) => number): Promise<Applicant[]> {
  const list: Applicant[] = [];
  for (let i = 0; i < n; i++) {
    const resident = i % 2 === 0;
    const sibling = i % 20 === 0;
    const family = await createFamily(db(), SLUG, { name: `FAMILLE${i}`, postalCode: resident ? '40220' : '64100' });
    const childId = await createChild(db(), SLUG, family.id, { firstNames: `Enfant${i}`, lastName: `FAMILLE${i}` });
    if (sibling) {
      const brother = await createChild(db(), SLUG, family.id, { firstNames: 'Aîné', lastName: `FAMILLE${i}` });
      await createEnrolment(db(), SLUG, { activityId, childId: brother, startDate: '2027-01-04', endDate: '2027-06-30' });
    }
    const requestId = await application(activityId, family.id, childId, new Date(OPENS.getTime() + offset(i)));
    list.push({ familyId: family.id, childId, requestId, resident, sibling });
  }
  return list;
}

/** A child's application to the activity, received at `receivedAt`, as "Inscrire mon enfant" makes it. */
async function application(activityId: string, familyId: string, childId: string, receivedAt: Date): Promise<string> {
  const tw = await town(db(), SLUG);
  const requestId = await createRequest(db(), SLUG, {
    familyId,
    childId,
    type: 'enrolment',
    summary: 'Inscription au séjour ski',
    payload: {
      activityId,
      activityName: 'Séjour ski',
      childId,
      childName: 'Enfant',
      startDate: '2027-01-04',
      endDate: '2027-06-30',
      daysWords: '',
      pai: null,
      diet: null,
      pieces: [],
    },
    now: receivedAt,
  });
  await insertApplication(db(), { requestId, townId: tw.id, activityId, familyId, childId, receivedAt });
  return requestId;
}

async function outcome(activityId: string) {
  const { rows } = await db().query<{ request_id: string; rank: number | null; allocation: string | null; status: string }>(
    `select p.request_id, p.rank, p.allocation, r.status from enrolment_applications p join requests r on r.id = p.request_id
      where p.activity_id = $1 order by p.rank nulls last`,
    [activityId],
  );
  return rows;
}

describe('fair allocation of scarce places', () => {
  it('ranks 200 applications of the first hour for 20 places by the criteria and a replayable draw, in one go', async () => {
    // 11 places taken by the brothers and sisters already enrolled (one family in 20, the first late one too): 20 left.
    const id = await offeredActivity(db(), SLUG, { enrolmentOpensAt: OPENS, fairWindowMinutes: 60 }, { name: 'Séjour ski', capacity: 31 });
    const early = await applicants(id, 200, (i) => i * 17_000);
    const late = await applicants(id, 5, (i) => 3_600_000 + i * 60_000);
    expect((await db().query(`select count(*)::int as n from enrolments where activity_id = $1`, [id])).rows[0].n).toBe(11);
    const staff = t.agent();
    await signedInAgent(db(), staff, SLUG);
    const path = urls.agentAllocation(SLUG, id);

    // An acceptance one by one would favour whoever an agent opens first: refused until the allocation.
    const single = await postForm(staff, urls.agentRequest(SLUG, early[0]!.requestId), urls.agentRequestStatus(SLUG, early[0]!.requestId), {
      action: 'accepter',
    });
    expect(page(single).text()).toContain('Les places de cette activité sont attribuées équitablement');

    t.clock.set('2026-12-02T08:30:00Z');
    const tooSoon = await postForm(staff, path, path, {});
    expect(tooSoon.status).toBe(400);
    // The tab's title says what the heading and the activity page's link say.
    expect(page(tooSoon).title()).toContain("Demandes d'inscription et attribution des places – Séjour ski");
    expect(page(tooSoon).fieldError('attribuer')).toBe(
      'La première fenêtre n’est pas terminée : les demandes qui y arrivent encore doivent entrer dans le tirage',
    );
    t.clock.set(NOW);
    expect((await staff.post(path).type('form').send({})).status).toBe(403);

    const res = await postForm(staff, path, path, {});
    expect(res.status).toBe(303);
    const rows = await outcome(id);
    const offered = rows.filter((r) => r.allocation === 'offered');
    expect(offered).toHaveLength(20);
    expect(offered.every((r) => r.status === 'accepted')).toBe(true);
    expect(rows.filter((r) => r.allocation === 'waiting')).toHaveLength(185);
    expect(rows.map((r) => r.rank)).toEqual(Array.from({ length: 205 }, (_, i) => i + 1));
    expect((await db().query(`select count(*)::int as n from enrolments where activity_id = $1`, [id])).rows[0].n).toBe(31);

    // The criteria: the 20 places go to resident families with a sibling enrolled (10), then to residents drawn.
    const byRequest = new Map([...early, ...late].map((a) => [a.requestId, a]));
    const winners = offered.map((r) => byRequest.get(r.request_id)!);
    expect(winners.slice(0, 10).every((a) => a.resident && a.sibling)).toBe(true);
    expect(winners.every((a) => a.resident)).toBe(true);
    // The late ones come last, by arrival.
    expect(rows.slice(200).map((r) => r.request_id)).toEqual(late.map((a) => a.requestId));

    // Replayed from the recorded seed, the ranking is the same.
    const { rows: act } = await db().query(`select allocation_seed from activities where id = $1`, [id]);
    const seed = act[0].allocation_seed as string;
    expect(seed).toMatch(/^[0-9a-f]{32}$/);
    const apps = (await listApplications(db(), (await town(db(), SLUG)).id, id)).filter((a) => a.allocation !== null);
    const replay = rankCandidates(
      apps.map((a) => ({ ...a, id: a.requestId, receivedAt: new Date(a.receivedAt), resident: a.postalCode === '40220' })),
      { seed, opensAt: OPENS, windowMinutes: 60 },
    );
    expect(replay.map((r) => r.candidate.id)).toEqual(rows.map((r) => r.request_id));
    const audit = await db().query(`select details from audit_log where target_id = $1 and action = 'enrolment.allocate'`, [id]);
    expect(audit.rows[0].details).toMatchObject({ seed, offered: 20, waiting: 185 });
    const recorded = [...early, ...late];
    expect(new Set(audit.rows[0].details.residents)).toEqual(new Set(recorded.filter((a) => a.resident).map((a) => a.requestId)));
    expect(new Set(audit.rows[0].details.siblings)).toEqual(new Set(recorded.filter((a) => a.sibling).map((a) => a.requestId)));

    // The agents' page shows the ranking and the seed; a second allocation is refused.
    const shown = page(await staff.get(path));
    expect(shown.text()).toContain(seed);
    expect(shown.rows()).toHaveLength(205);
    const again = await postForm(staff, urls.agentActivity(SLUG, id), path, {});
    expect(again.status).toBe(400);

    // A parent on the waiting list sees their place on it.
    const waiting = rows[24]!;
    const family = byRequest.get(waiting.request_id)!;
    const parent = await createParent(db(), SLUG, { familyId: family.familyId });
    const browser = t.agent();
    await signIn(browser, SLUG, parent.username, parent.password);
    const status = page(await browser.get(urls.enrolmentApplication(SLUG, waiting.request_id)));
    expect(status.dd("Liste d'attente")).toBe("5e rang (rang 25 au classement de l'attribution)");
  }, 60_000);

  it('passes over an application it cannot accept (the child enrolled by hand meanwhile) and gives the place to the next one', async () => {
    const id = await offeredActivity(db(), SLUG, { enrolmentOpensAt: OPENS, fairWindowMinutes: 60 }, { name: 'Séjour neige', capacity: 3 });
    // Resident, so ranked first; an agent enrolled the child by hand after the application.
    const first = await createFamily(db(), SLUG, { name: 'PREMIERS', postalCode: '40220' });
    const lea = await createChild(db(), SLUG, first.id, { firstNames: 'Léa', lastName: 'PREMIERS' });
    const enrolledMeanwhile = await application(id, first.id, lea, new Date(OPENS.getTime() + 1_000));
    await createEnrolment(db(), SLUG, { activityId: id, childId: lea, startDate: '2027-01-04', endDate: '2027-06-30' });
    const others: string[] = [];
    for (const name of ['AUTRES', 'DERNIERS']) {
      const family = await createFamily(db(), SLUG, { name, postalCode: '64100' });
      const child = await createChild(db(), SLUG, family.id, { firstNames: 'Hugo', lastName: name });
      others.push(await application(id, family.id, child, new Date(OPENS.getTime() + 2_000)));
    }
    const staff = t.agent();
    await signedInAgent(db(), staff, SLUG);
    const path = urls.agentAllocation(SLUG, id);

    const res = await postForm(staff, path, path, {});
    expect(res.status).toBe(303);
    // The two places left (3, one taken by Léa) go to the two other families.
    const rows = await outcome(id);
    expect(rows.filter((r) => r.status === 'accepted').map((r) => r.request_id)).toEqual(expect.arrayContaining(others));
    expect(rows.filter((r) => r.status === 'accepted')).toHaveLength(2);
    // Léa's application keeps its rank, still open for an agent to decide.
    expect(rows.find((r) => r.request_id === enrolledMeanwhile)).toMatchObject({ rank: 1, allocation: 'waiting', status: 'sent' });
    expect(page(await staff.get(path)).text('.notice')).toBe(
      "Places attribuées : 2 inscription(s) acceptée(s), 1 demande(s) sur liste d'attente. " +
        "La demande de Léa PREMIERS n'a pas pu être acceptée (Cet enfant est déjà inscrit à cette activité sur une partie de cette période) : décidez-la depuis sa page.",
    );
  });

  it('replays the ranking with the criteria as the allocation read them, not as its own acceptances changed them', async () => {
    const id = await offeredActivity(
      db(),
      SLUG,
      { enrolmentOpensAt: OPENS, fairWindowMinutes: 60 },
      { name: 'Stage de voile', capacity: null },
    );
    // Two sisters apply together; neither had a sibling enrolled, until the allocation enrolled both.
    const sisters = await createFamily(db(), SLUG, { name: 'SOEURS', postalCode: '64100' });
    for (const first of ['Alice', 'Berthe']) {
      const child = await createChild(db(), SLUG, sisters.id, { firstNames: first, lastName: 'SOEURS' });
      await application(id, sisters.id, child, new Date(OPENS.getTime() + 1_000));
    }
    for (let i = 0; i < 8; i++) {
      const family = await createFamily(db(), SLUG, { name: `VOILE${i}`, postalCode: '64100' });
      const child = await createChild(db(), SLUG, family.id, { firstNames: `Marin${i}`, lastName: `VOILE${i}` });
      await application(id, family.id, child, new Date(OPENS.getTime() + 2_000));
    }
    const staff = t.agent();
    await signedInAgent(db(), staff, SLUG);
    const path = urls.agentAllocation(SLUG, id);
    expect((await postForm(staff, path, path, {})).status).toBe(303);

    const { rows: recorded } = await db().query<{ name: string; rank: number }>(
      `select c.first_names || ' ' || c.last_name || ' (' || f.name || ')' as name, p.rank
         from enrolment_applications p join children c on c.id = p.child_id join families f on f.id = p.family_id
        where p.activity_id = $1 order by p.rank`,
      [id],
    );
    const shown = page(await staff.get(path)).rows('table:has(#classement-caption)');
    // The page's "Rang" and order are those the families were given…
    expect(shown.map((r) => [r.header, r.cells[0]])).toEqual(recorded.map((r) => [r.name, String(r.rank)]));
    // …and the sisters are shown without a sibling enrolled, as the draw ranked them.
    expect(shown.filter((r) => r.header.endsWith('(SOEURS)')).map((r) => r.cells[3])).toEqual(['Non', 'Non']);

    // An opening moved afterwards (the sisters alone in the window) does not rewrite the ranking either.
    const tw = await town(db(), SLUG);
    await saveEnrolmentSettings(
      db(),
      tw.id,
      id,
      { ...OPEN, enrolmentOpensAt: new Date(OPENS.getTime() + 1_500 - 60_000), fairWindowMinutes: 1 },
      new Date(NOW),
    );
    const after = page(await staff.get(path)).rows('table:has(#classement-caption)');
    expect(after.map((r) => [r.header, r.cells[0]])).toEqual(recorded.map((r) => [r.name, String(r.rank)]));
  });

  it('tells a parent, before the draw, when places are given and that arrival does not count, rather than a rank by arrival', async () => {
    const id = await offeredActivity(
      db(),
      SLUG,
      { enrolmentOpensAt: OPENS, fairWindowMinutes: 60 },
      { name: 'Stage de cirque', capacity: 1 },
    );
    for (const [name, after] of [
      ['AVANT', 1_000],
      ['APRES', 2_000],
    ] as const) {
      const family = await createFamily(db(), SLUG, { name, postalCode: '64100' });
      const child = await createChild(db(), SLUG, family.id, { firstNames: 'Lou', lastName: name });
      const requestId = await application(id, family.id, child, new Date(OPENS.getTime() + after));
      if (name === 'APRES') {
        const parent = await createParent(db(), SLUG, { familyId: family.id });
        const browser = t.agent();
        await signIn(browser, SLUG, parent.username, parent.password);
        const status = page(await browser.get(urls.enrolmentApplication(SLUG, requestId)));
        expect(status.dd("Liste d'attente")).toBe(
          "Les places seront attribuées après le 02/12/2026 à 10:00, selon les critères publiés (familles résidentes, puis frères et sœurs déjà inscrits, puis tirage au sort) : l'ordre d'arrivée des demandes reçues avant cette heure ne compte pas.",
        );
      }
    }
  });

  it('lets one of two agents clicking "Attribuer les places" at once allocate, and tells the other', async () => {
    const id = await offeredActivity(
      db(),
      SLUG,
      { enrolmentOpensAt: OPENS, fairWindowMinutes: 60 },
      { name: 'Stage de judo', capacity: 3 },
    );
    for (let i = 0; i < 6; i++) {
      const family = await createFamily(db(), SLUG, { name: `JUDO${i}`, postalCode: '64100' });
      const child = await createChild(db(), SLUG, family.id, { firstNames: 'Sacha', lastName: `JUDO${i}` });
      await application(id, family.id, child, new Date(OPENS.getTime() + i * 1_000));
    }
    const [first, second] = [t.agent(), t.agent()];
    await signedInAgent(db(), first, SLUG);
    await signedInAgent(db(), second, SLUG);
    const path = urls.agentAllocation(SLUG, id);
    const [a, b] = await Promise.all([csrfFrom((await first.get(path)).text), csrfFrom((await second.get(path)).text)]);
    const results = await Promise.all([
      first.post(path).type('form').send({ _csrf: a }),
      second.post(path).type('form').send({ _csrf: b }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
    expect(page(results.find((r) => r.status === 400)!).fieldError('attribuer')).toMatch(/^Les places ont déjà été attribuées le /);
    const rows = await outcome(id);
    expect(rows.filter((r) => r.status === 'accepted')).toHaveLength(3);
    expect(
      (await db().query(`select count(*)::int as n from audit_log where target_id = $1 and action = 'enrolment.allocate'`, [id])).rows[0].n,
    ).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, town } from '../../helpers/fixtures.js';

/**
 * Agents' lists write last names in capitals. SQL's upper() follows the database's locale
 * and, under the C locale, leaves accented letters small ("D'AUBIGNéXXX"): the names must
 * come out whole whatever the server, in Familles, in the family choice of an account to
 * validate, and as the author of a request.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T10:00:00Z' });
});
afterAll(async () => t.close());

const ADULT = 'Marie-Bénédicte D&#39;AUBIGNÉ-LÉVÊQUE';
const CHILD = 'Hugo NGUYỄN';

async function accentedFamily() {
  const tarnos = await town(t.db.pool, 'tarnos');
  const { rows } = await t.db.pool.query<{ id: string }>(
    `insert into families (town_id, cle_enfance, name, address_line, postal_code, city)
     values ($1, '40220-AUBIGN1', 'D''AUBIGNÉ-LÉVÊQUE', '3 rue des Écoles', '40220', 'Tarnos') returning id`,
    [tarnos.id],
  );
  const familyId = rows[0]!.id;
  await t.db.pool.query(
    `insert into children (town_id, family_id, first_names, last_name, birth_date) values ($1, $2, 'Hugo', 'Nguyễn', '2018-03-14')`,
    [tarnos.id, familyId],
  );
  const parent = await createParent(t.db.pool, 'tarnos', { familyId, firstNames: 'Marie-Bénédicte', lastName: "d'Aubigné-Lévêque" });
  return { tarnos, familyId, parent };
}

describe('accented last names in the back-office', () => {
  it('are capitalised whole in Familles, the family choice of an account and the request queue', async () => {
    const { tarnos, familyId, parent } = await accentedFamily();
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    expect((await signInAgent(agent, 'tarnos', a.username, a.password)).status).toBe(303);

    // Familles › the list's Adultes column
    const list = await agent.get(`/tarnos/agents/familles?q=${encodeURIComponent('aubigne')}`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(ADULT);

    // An account to validate, named like the file: the file is offered with its members.
    const newcomer = await createParent(t.db.pool, 'tarnos', {
      familyId: null,
      firstNames: 'Éloïse',
      lastName: "D'Aubigné-Lévêque",
      validationStatus: 'awaiting_services',
      validatedAt: null,
    });
    const choice = await agent.get(`/tarnos/agents/comptes/${newcomer.id}`);
    expect(choice.status).toBe(200);
    expect(choice.text).toContain(ADULT);
    expect(choice.text).toContain(CHILD);

    // Demandes: the author of a request
    await t.db.pool.query(
      `insert into requests (town_id, family_id, account_id, type, status, summary) values ($1, $2, $3, 'contact_change', 'sent', 'Changement de téléphones')`,
      [tarnos.id, familyId, parent.id],
    );
    const queue = await agent.get(`/tarnos/agents/demandes?recherche=${encodeURIComponent('aubigne')}`);
    expect(queue.status).toBe(200);
    expect(queue.text).toContain(`(${ADULT})`);

    for (const page of [list.text, choice.text, queue.text]) {
      expect(page).not.toMatch(/AUBIGNé|LéVêQUE|NGUYễN/);
    }
  });

  it('are elided after "de" in what the agent reads: "Le compte d\'Élodie D\'AUBIGNÉ-LÉVÊQUE a été créé"', async () => {
    const { familyId } = await accentedFamily2();
    const a = await createAgentFixture(t.db.pool, 'tarnos');
    const agent = t.agent();
    expect((await signInAgent(agent, 'tarnos', a.username, a.password)).status).toBe(303);
    const addPath = `/tarnos/agents/familles/${familyId}/adultes/nouveau`;
    const added = await agent
      .post(addPath)
      .type('form')
      .send({
        _csrf: csrfFrom((await agent.get(addPath)).text),
        civilite: 'Mme',
        nom: "d'Aubigné-Lévêque",
        prenoms: 'Élodie',
        courriel: 'elodie.daubigne.leveque@example.test',
        telephone: '',
      });
    expect(added.status).toBe(303);
    const { rows } = await t.db.pool.query<{ id: string }>(`select id from family_adults where family_id = $1 and first_names = 'Élodie'`, [
      familyId,
    ]);
    const path = `/tarnos/agents/familles/${familyId}/adultes/${rows[0]!.id}/creation-rapide`;
    const res = await agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom((await agent.get(path)).text) });
    expect(res.status).toBe(303);
    const file = await agent.get(res.headers.location!);
    expect(file.text).toContain('Le compte d&#39;Élodie D&#39;AUBIGNÉ-LÉVÊQUE a été créé');
    expect(file.text).not.toContain('compte de Élodie');
  });
});

/** A second file for the second test (the first one's name would match twice). */
async function accentedFamily2() {
  const tarnos = await town(t.db.pool, 'tarnos');
  const { rows } = await t.db.pool.query<{ id: string }>(
    `insert into families (town_id, cle_enfance, name, address_line, postal_code, city)
     values ($1, '40220-AUBIGN2', 'D''AUBIGNÉ', '5 rue des Écoles', '40220', 'Tarnos') returning id`,
    [tarnos.id],
  );
  return { familyId: rows[0]!.id };
}

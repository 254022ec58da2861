import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { NEW_CHILD, postForm, requestIdFrom, requestRow, signedInAgent, signedInFamily } from './helpers.js';

/**
 * MA FAMILLE: the child's page (MES INFORMATIONS), the Dossier administratif edited by the
 * parent and acknowledged by the services, "Ajouter un membre" and its forms.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const DOSSIER = {
  ecole: 'École du Centre',
  classe: 'CP',
  sante: 'Asthme léger : Ventoline dans le sac.',
  allergies: 'Arachide',
  medecin: 'Dr Lefèvre',
  telephoneMedecin: '0559640000',
  droitImage: 'oui',
  partSeul: 'non',
  personne1Nom: 'Jeanne Martin',
  personne1Lien: 'grand-mère',
  personne1Telephone: '06 12 34 56 78',
  message: 'Nouveau médecin.',
};

describe("a child's page", () => {
  it('shows identity, school and class, and the Dossier administratif', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'LEROY', 'Inès', { child: { allergies: 'Gluten', mayLeaveAlone: true } });
    const res = await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}`);
    expect(res.status).toBe(200);
    expect(parse(res).heading()).toBe('Inès LEROY');
    expect(res.text).toContain('Mes informations');
    expect(res.text).toContain('04/05/2018');
    expect(res.text).toContain('École du Centre');
    expect(res.text).toContain('Dossier administratif');
    expect(res.text).toContain('Gluten');
    expect(res.text).toContain('Oui, autorisé(e)');
    expect(res.text).toContain(`/tarnos/mon-espace/enfants/${fam.childId}/agenda`);
    // The dashboard leads to it, with the adults first.
    const dashboard = await agent.get('/tarnos/mon-espace');
    expect(parse(dashboard).attrs('a', 'href')).toContain(`/tarnos/mon-espace/enfants/${fam.childId}`);
    expect(dashboard.text.indexOf('Jean LEROY')).toBeLessThan(dashboard.text.indexOf('Inès LEROY'));
  });
});

describe('the Dossier administratif', () => {
  it('applies the change at once and sends the services a request with each old and new value', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'MOREAU', 'Léo');
    const form = await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}/dossier`);
    expect(form.status).toBe(200);
    expect(parse(form).fieldValue('ecole')).toBe('École du Centre');
    const res = await agent
      .post(`/tarnos/mon-espace/enfants/${fam.childId}/dossier`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...DOSSIER });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/tarnos/mon-espace/enfants/${fam.childId}`);
    const { rows } = await t.db.pool.query(
      `select health_notes, allergies, doctor_name, doctor_phone, photo_consent, may_leave_alone from children where id = $1`,
      [fam.childId],
    );
    expect(rows[0]).toEqual({
      health_notes: 'Asthme léger : Ventoline dans le sac.',
      allergies: 'Arachide',
      doctor_name: 'Dr Lefèvre',
      doctor_phone: '05 59 64 00 00',
      photo_consent: true,
      may_leave_alone: false,
    });
    const persons = await t.db.pool.query(
      `select position, full_name, relationship, phone from child_authorised_persons where child_id = $1`,
      [fam.childId],
    );
    expect(persons.rows).toEqual([{ position: 1, full_name: 'Jeanne Martin', relationship: 'grand-mère', phone: '06 12 34 56 78' }]);

    const request = await t.db.pool.query(`select id, type, status, child_id, summary, payload from requests where child_id = $1`, [
      fam.childId,
    ]);
    expect(request.rows).toHaveLength(1);
    const r = request.rows[0];
    expect(r.type).toBe('child_update');
    expect(r.status).toBe('sent');
    expect(r.summary).toBe('Dossier de Léo MOREAU : 6 modifications');
    const changes = r.payload.changes.map((c: { label: string; before: string; after: string }) => [c.label, c.before, c.after]);
    expect(changes).toContainEqual(['Allergies', '', 'Arachide']);
    expect(changes).toContainEqual(['Autorisé(e) à être photographié(e) ou filmé(e)', 'Non', 'Oui']);
    expect(changes).toContainEqual(["Personnes autorisées à venir chercher l'enfant", '', 'Jeanne Martin (grand-mère) 06 12 34 56 78']);
    expect(changes.map((c: string[]) => c[0])).not.toContain('École');

    // The child's page lists it; the agent sees each old and new value, and acknowledges.
    expect((await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}`)).text).toContain('Dossier de Léo MOREAU : 6 modifications');
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = await back.get(`/tarnos/agents/demandes/${r.id}`);
    expect(page.text).toContain('Avant :');
    expect(page.text).toContain('Arachide');
    expect(page.text).toContain('(concerné par la demande)');
    await postForm(back, `/tarnos/agents/demandes/${r.id}`, `/tarnos/agents/demandes/${r.id}/statut`, { action: 'accepter' });
    expect((await requestRow(t.db.pool, r.id)).status).toBe('accepted');
    expect((await t.db.pool.query(`select allergies from children where id = $1`, [fam.childId])).rows[0].allergies).toBe('Arachide');
  });

  it('sends nothing when nothing changed', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'SIMON');
    const form = await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}/dossier`);
    const res = await agent
      .post(`/tarnos/mon-espace/enfants/${fam.childId}/dossier`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ecole: 'École du Centre', classe: 'CP', droitImage: 'non', partSeul: 'non' });
    expect(res.status).toBe(303);
    const page = await agent.get(res.headers.location!);
    expect(parse(page).text()).toContain("Vous n'avez rien modifié");
    expect((await t.db.pool.query(`select count(*)::int as n from requests where child_id = $1`, [fam.childId])).rows[0].n).toBe(0);
  });

  it('puts back what the services refused, unless the family changed it again since', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'GIRARD');
    const path = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    await postForm(agent, path, path, { ...DOSSIER, partSeul: 'oui', allergies: '' });
    const first = (await t.db.pool.query(`select id from requests where child_id = $1`, [fam.childId])).rows[0].id;
    // A second change of the allergies only, after the first request.
    await postForm(agent, path, path, { ...DOSSIER, partSeul: 'oui', allergies: 'Lait' });
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${first}`;
    expect(
      (await postForm(back, page, `${page}/statut`, { action: 'refuser', motif: 'À 6 ans, un enfant ne part pas seul.' })).status,
    ).toBe(303);
    const { rows } = await t.db.pool.query(`select may_leave_alone, doctor_name, allergies from children where id = $1`, [fam.childId]);
    // The first request's changes are undone, apart from the allergies (changed again since).
    expect(rows[0]).toEqual({ may_leave_alone: false, doctor_name: '', allergies: 'Lait' });
    expect((await requestRow(t.db.pool, first)).outcome.reverted).toContain('mayLeaveAlone');
  });

  it('refuses each kind of invalid input with the error beside its field and keeps what was typed', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'FAURE');
    const path = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    const cases: [Record<string, string>, string, string][] = [
      [{ ...DOSSIER, telephoneMedecin: 'pas un numéro' }, 'telephoneMedecin', 'Saisissez un numéro de téléphone valide pour le médecin'],
      [{ ...DOSSIER, droitImage: '' }, 'droitImage', "Indiquez si l'enfant peut être photographié ou filmé"],
      [{ ...DOSSIER, partSeul: 'peut-être' }, 'partSeul', "Indiquez si l'enfant peut partir seul"],
      [
        { ...DOSSIER, sante: 'x'.repeat(2001) },
        'sante',
        'Les informations de santé doivent comporter 2000 caractères au maximum'.replace('doivent', 'doit'),
      ],
      [{ ...DOSSIER, classe: 'CP\nCE1' }, 'classe', "La classe contient un caractère qui n'est pas accepté"],
      [{ ...DOSSIER, personne1Nom: '' }, 'personne1Nom', 'Saisissez le nom de la personne 1, ou videz sa ligne'],
      [{ ...DOSSIER, personne1Telephone: '12' }, 'personne1Telephone', 'Saisissez un numéro de téléphone valide pour la personne 1'],
    ];
    for (const [body, field, message] of cases) {
      const res = await postForm(agent, path, path, body);
      expect(res.status, field).toBe(400);
      const refused = parse(res);
      expect(
        refused.errorSummary().map((e) => e.field),
        field,
      ).toContain(field);
      expect(parse(res).text(), field).toContain(message);
      expect(refused.title(), field).toMatch(/^Erreur : /);
      // Radios mark their fieldset (aria-describedby the message); text inputs mark themselves.
      if (!['droitImage', 'partSeul'].includes(field)) {
        const input = refused.one(`[id="${field}"]`);
        expect([input.attr('name'), input.attr('aria-invalid')], field).toEqual([field, 'true']);
        expect(input.attr('aria-describedby'), field).toContain(`${field}-error`);
      } else {
        expect(refused.all(`fieldset[aria-describedby~="${field}-error"]`), field).toHaveLength(1);
      }
      expect(refused.fieldError(field), field).toBeDefined();
      expect(refused.fieldValue('medecin'), field).toBe('Dr Lefèvre');
    }
    expect((await t.db.pool.query(`select count(*)::int as n from requests where child_id = $1`, [fam.childId])).rows[0].n).toBe(0);
    expect((await agent.post(path).type('form').send(DOSSIER)).status).toBe(403);
    expect((await t.db.pool.query(`select doctor_name from children where id = $1`, [fam.childId])).rows[0].doctor_name).toBe('');
  });
});

describe('Ajouter un membre', () => {
  it('offers a child or an adult, the family name for a child, and sends a request', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'ROUX');
    const choose = await agent.get('/tarnos/mon-espace/famille/ajouter-un-membre');
    expect(choose.status).toBe(200);
    expect(choose.text).toContain('Un enfant');
    expect(choose.text).toContain('Un adulte');
    const form = await agent.get('/tarnos/mon-espace/famille/ajouter-un-membre/enfant');
    expect(parse(form).fieldValue('nom')).toBe('ROUX');
    const res = await agent
      .post('/tarnos/mon-espace/famille/ajouter-un-membre/enfant')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...NEW_CHILD, nom: 'ROUX' });
    expect(res.status).toBe(303);
    const id = requestIdFrom(res.headers.location);
    const page = await agent.get(res.headers.location!);
    expect(page.text).toContain('Votre demande est envoyée aux services');
    expect((await requestRow(t.db.pool, id)).payload).toEqual({
      kind: 'child',
      firstNames: 'Lucas',
      lastName: 'ROUX',
      birthDate: '2021-03-12',
      school: 'École du Centre',
      className: 'Petite section',
    });
  });

  it('refuses invalid children and adults with the error beside the field', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'BLANC');
    const child = '/tarnos/mon-espace/famille/ajouter-un-membre/enfant';
    const adult = '/tarnos/mon-espace/famille/ajouter-un-membre/adulte';
    const cases: [string, Record<string, string>, string, string][] = [
      [child, { ...NEW_CHILD, prenoms: '' }, 'prenoms', "Saisissez le prénom de l'enfant"],
      [child, { ...NEW_CHILD, prenoms: 'L3o' }, 'prenoms', 'Le prénom ne doit contenir que des lettres'],
      [
        child,
        { ...NEW_CHILD, dateNaissanceJour: '', dateNaissanceMois: '', dateNaissanceAnnee: '' },
        'dateNaissanceJour',
        "Saisissez la date de naissance de l'enfant",
      ],
      [
        child,
        { ...NEW_CHILD, dateNaissanceJour: '31', dateNaissanceMois: '2' },
        'dateNaissanceJour',
        'La date de naissance doit être une date réelle',
      ],
      [child, { ...NEW_CHILD, dateNaissanceAnnee: '2027' }, 'dateNaissanceJour', 'La date de naissance doit être dans le passé'],
      [adult, { civilite: '', prenoms: 'Ana', nom: 'Blanc' }, 'civilite', 'Sélectionnez la civilité'],
      [adult, { civilite: 'Mme', prenoms: 'Ana', nom: 'Blanc', courriel: 'ana@' }, 'courriel', 'Saisissez une adresse de courriel valide'],
      [adult, { civilite: 'Mme', prenoms: 'Ana', nom: 'Blanc', telephone: 'abc' }, 'telephone', 'Saisissez un numéro de téléphone valide'],
      [adult, { civilite: 'Mme', prenoms: 'Ana', nom: '', message: 'x'.repeat(5001) }, 'nom', "Saisissez le nom de l'adulte"],
    ];
    for (const [path, body, field, message] of cases) {
      const res = await postForm(agent, path, path, body);
      expect(res.status, `${field} ${message}`).toBe(400);
      expect(
        parse(res)
          .errorSummary()
          .map((e) => e.field),
        field,
      ).toContain(field);
      expect(parse(res).text(), field).toContain(message);
      expect(parse(res).title(), field).toMatch(/^Erreur : /);
    }
    const kept = await postForm(agent, adult, adult, { civilite: 'Mme', prenoms: 'Ana', nom: 'Blanc', courriel: 'ana@' });
    expect(parse(kept).fieldValue('prenoms')).toBe('Ana');
    expect(parse(kept).fieldValue('courriel')).toBe('ana@');
    expect((await agent.post(child).type('form').send(NEW_CHILD)).status).toBe(403);
    expect((await agent.post(adult).type('form').send({ civilite: 'M', prenoms: 'A', nom: 'B' })).status).toBe(403);
    expect(
      (await t.db.pool.query(`select count(*)::int as n from requests r join families f on f.id = r.family_id where f.name = 'BLANC'`))
        .rows[0].n,
    ).toBe(0);
  });
});

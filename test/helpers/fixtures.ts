import type { Queryable } from '../../src/db/pool.js';
import type { RegistrationInput } from '../../src/features/parent-accounts/parent-accounts.service.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { insertAbsenceDays, setJustified, type NewAbsenceDay } from '../../src/repositories/absences.repository.js';
import { acceptCgu, confirmEmail, insertAccount, type Account, type NewAccount } from '../../src/repositories/accounts.repository.js';
import { insertActivity, insertEnrolment, type ActivityInput } from '../../src/repositories/activities.repository.js';
import { upsertAttendance } from '../../src/repositories/attendance.repository.js';
import { setInvoicePaid } from '../../src/repositories/billing-invoices.repository.js';
import {
  insertRegie,
  insertTariff,
  saveBillingSettings,
  saveQuotient,
  setActivityRegie,
  setFamilyPayer,
  type BillingSettings,
  type NewQuotient,
  type NewTariff,
} from '../../src/repositories/billing-tariffs.repository.js';
import { insertDocument, type NewDocument, type NewFile } from '../../src/repositories/documents.repository.js';
import {
  insertAdult,
  insertChild,
  insertFamily,
  type AdultFields,
  type ChildFields,
  type FamilyFields,
} from '../../src/repositories/family-files.repository.js';
import type { FamilyFile } from '../../src/repositories/family-files.repository.js';
import { insertNews, setNewsPublishedAt } from '../../src/repositories/news.repository.js';
import { insertMessage, insertRequest, type NewMessage, type NewRequest } from '../../src/repositories/requests.repository.js';
import {
  insertReservations,
  insertSubmission,
  setSubmissionOutcome,
  type NewReservation,
  type OutcomeLine,
  type SubmissionRow,
} from '../../src/repositories/reservations.repository.js';
import { insertClosure, insertTextVersion, type Closure, type TextKind } from '../../src/repositories/settings.repository.js';
import { findTownBySlug, type Town } from '../../src/repositories/towns.repository.js';

export async function town(db: Queryable, slug: string): Promise<Town> {
  const found = await findTownBySlug(db, slug);
  if (!found) throw new Error(`no demo town ${slug}`);
  return found;
}

/** A password that satisfies every demo town's policy. */
export const GOOD_PASSWORD = 'Ecole-Verte-2026';

let counter = 0;

/**
 * Realistic long values for the browser tests' 320 px checks (WCAG 1.4.10): names with
 * accents, hyphens and an apostrophe, and a 40-character email with no hyphen to break at,
 * the kind that made the dashboard scroll sideways.
 */
export const LONG_NAME = { firstNames: 'Marie-Bénédicte', lastName: "D'Aubigné-Lévêque" } as const;
export const LONG_AGENT_NAME = "Marie-Bénédicte D'AUBIGNÉ-LÉVÊQUE";

/** A unique 40-character address: "mariebenedicte.daubigne0001@example.test". */
export function longEmail(): string {
  counter += 1;
  return `mariebenedicte.daubigne${String(counter).padStart(4, '0')}@example.test`;
}

/**
 * A parent's account as if the wizard and the activation link had run: defaults give an
 * activated, validated account with the CGU accepted; override what a test needs. A given
 * `passwordHash` skips the hashing (for lists of accounts nobody signs in to).
 */
export async function createParent(
  db: Queryable,
  townSlug: string,
  overrides: Partial<NewAccount> & { password?: string; emailConfirmed?: boolean; emailConfirmedAt?: Date; cguAccepted?: boolean } = {},
): Promise<Account & { password: string }> {
  const t = await town(db, townSlug);
  counter += 1;
  const password = overrides.password ?? GOOD_PASSWORD;
  const now = overrides.createdAt ?? new Date();
  const { emailConfirmedAt, emailConfirmed, cguAccepted, password: _password, ...fields } = overrides;
  const account = await insertAccount(db, {
    townId: t.id,
    familyId: null,
    username: `parent${counter}${Math.random().toString(36).slice(2, 6)}`,
    email: `parent${counter}.${Math.random().toString(36).slice(2, 6)}@example.fr`,
    civility: 'M',
    lastName: 'Dupont',
    firstNames: 'Jean',
    passwordHash: overrides.passwordHash ?? (await hashPassword(password)),
    passwordIsTemporary: false,
    temporaryPasswordExpiresAt: null,
    createdVia: 'wizard',
    validationStatus: 'validated',
    validatedAt: now,
    createdAt: now,
    ...fields,
  });
  // What the activation link and the CGU page write after the sign-up's insert.
  if (emailConfirmed !== false) await confirmEmail(db, account.id, emailConfirmedAt ?? now);
  if (cguAccepted !== false) await acceptCgu(db, account.id, 1, now);
  return { ...account, password };
}

export async function familyByKey(db: Queryable, townSlug: string, key: string): Promise<{ id: string }> {
  const t = await town(db, townSlug);
  const { rows } = await db.query<{ id: string }>(`select id from families where town_id = $1 and cle_enfance = $2`, [t.id, key]);
  if (!rows[0]) throw new Error(`no family ${key}`);
  return rows[0];
}

export const AGENT_PASSWORD = 'Mairie-Agent-2026';

/** An agent (or admin) of a town, ready to sign in with AGENT_PASSWORD. */
export async function createAgentFixture(
  db: Queryable,
  townSlug: string,
  role: 'agent' | 'admin' = 'agent',
  options: { displayName?: string } = {},
) {
  const t = await town(db, townSlug);
  counter += 1;
  const { insertAgent } = await import('../../src/repositories/agents.repository.js');
  const agent = await insertAgent(db, {
    townId: t.id,
    username: `agent${counter}${Math.random().toString(36).slice(2, 6)}`,
    displayName: options.displayName ?? `Agent ${counter}`,
    passwordHash: await hashPassword(AGENT_PASSWORD),
    role,
  });
  return { ...agent, password: AGENT_PASSWORD };
}

// ---------------------------------------------------------------- builders
// One builder per row a test needs: defaults make a valid row, `overrides` say what the test
// is about. They go through the repositories' own inserts (the same SQL the app runs); the
// few columns no repository writes are set here, next to the builder that needs them.

const unique = () => `${(counter += 1)}${Math.random().toString(36).slice(2, 7)}`;

/** A family file (no adult, no child), with a fresh Clé Enfance unless given. */
export async function createFamily(
  db: Queryable,
  townSlug: string,
  overrides: Partial<FamilyFields & { cleEnfance: string; now: Date }> = {},
): Promise<FamilyFile & { key: string }> {
  const t = await town(db, townSlug);
  const cleEnfance = overrides.cleEnfance ?? `T${unique().toUpperCase()}`;
  const family = await insertFamily(db, t.id, {
    name: 'TEST',
    externalRef: null,
    addressLine: '',
    postalCode: '',
    city: '',
    now: new Date(),
    ...overrides,
    cleEnfance,
  });
  return { ...family, key: cleEnfance };
}

/** A child of a family file; only the names by default. */
export async function createChild(
  db: Queryable,
  townSlug: string,
  familyId: string,
  overrides: Partial<ChildFields & { now: Date }> = {},
): Promise<string> {
  const t = await town(db, townSlug);
  return insertChild(db, t.id, familyId, {
    firstNames: 'Emma',
    lastName: 'TEST',
    birthDate: null,
    school: '',
    className: '',
    healthNotes: '',
    allergies: '',
    doctorName: '',
    doctorPhone: '',
    photoConsent: false,
    mayLeaveAlone: false,
    dietNoPork: false,
    dietVegetarian: false,
    dietGlutenFree: false,
    pai: false,
    paiAllergens: '',
    authorisedPersons: [],
    now: new Date(),
    ...overrides,
  });
}

/** An adult of a family file (no account). */
export async function createAdult(
  db: Queryable,
  townSlug: string,
  familyId: string,
  overrides: Partial<AdultFields & { now: Date }> = {},
): Promise<string> {
  const t = await town(db, townSlug);
  return insertAdult(db, t.id, familyId, {
    civility: 'Mme',
    lastName: 'TEST',
    firstNames: 'Marie',
    email: `adulte.${unique()}@example.fr`,
    phone: '',
    now: new Date(),
    ...overrides,
  });
}

/** An activity over the 2026-2027 school year: Mon, Tue, Thu, Fri school meals, no capacity, the town's rules, confirmed at once. */
export async function createActivity(db: Queryable, townSlug: string, overrides: Partial<ActivityInput> = {}): Promise<string> {
  const t = await town(db, townSlug);
  return insertActivity(db, t.id, {
    name: `Activité ${unique()}`,
    site: 'Site test',
    unit: 'Repas',
    startDate: '2026-09-01',
    endDate: '2027-07-02',
    weekdays: [1, 2, 4, 5],
    runsDuring: 'school_weeks',
    capacity: null,
    bookingRule: null,
    cancellationRule: null,
    confirmation: 'immediate',
    ...overrides,
  });
}

/** A child's enrolment in an activity, over the whole school year by default. */
export async function createEnrolment(
  db: Queryable,
  townSlug: string,
  e: { activityId: string; childId: string; startDate?: string; endDate?: string; createdBy?: string | null },
): Promise<string> {
  const t = await town(db, townSlug);
  const id = await insertEnrolment(db, t.id, { startDate: '2026-09-01', endDate: '2027-07-02', createdBy: null, ...e });
  if (!id) throw new Error('enrolment not created: the child is not of the town, or it already exists');
  return id;
}

/**
 * `n` families of one child each, of `school` and `className`, enrolled in the activity for
 * the school year and booked on `day` (or waiting): a large canteen's day in one statement.
 * `tag` names the families (TAG001, TAG002…). Returns the children's ids.
 */
export async function createCrowd(
  db: Queryable,
  townSlug: string,
  c: { activityId: string; tag: string; n: number; school: string; className: string; day: string; status?: 'booked' | 'waiting' },
): Promise<string[]> {
  const t = await town(db, townSlug);
  const { rows } = await db.query<{ id: string }>(
    `with f as (insert into families (town_id, cle_enfance, cle_enfance_issued_at, name)
                select $1, $2 || '-' || left($6::text, 8) || '-' || g, now(), $2 || lpad(g::text, 3, '0')
                  from generate_series(1, $3::int) g returning id, name),
          c as (insert into children (town_id, family_id, first_names, last_name, school, class_name)
                select $1, f.id, 'Enfant', f.name, $4, $5 from f returning id),
          e as (insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
                select $1, $6::uuid, c.id, '2026-09-01', '2027-07-02' from c returning id, child_id)
     insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at)
     select $1, $6::uuid, e.id, e.child_id, $7::date, $8, now() from e order by e.child_id returning child_id as id`,
    [t.id, c.tag, c.n, c.school, c.className, c.activityId, c.day, c.status ?? 'booked'],
  );
  return rows.map((r) => r.id);
}

/** A reservation line, as a save would leave it: booked and confirmed by default, outside any submission. */
export async function createReservation(
  db: Queryable,
  townSlug: string,
  r: NewReservation & { activityId: string; confirmed?: boolean; submissionId?: string | null },
): Promise<void> {
  const t = await town(db, townSlug);
  const confirmedAt = r.confirmed === false ? null : new Date();
  const n = await insertReservations(db, t.id, r.activityId, r.submissionId ?? null, confirmedAt, [
    { enrolmentId: r.enrolmentId, childId: r.childId, day: r.day, status: r.status },
  ]);
  if (n !== 1) throw new Error(`reservation of ${r.day} not created: the child already has one`);
}

/** A parent's request; a family's "add a member" request, sent, by default. */
export async function createRequest(db: Queryable, townSlug: string, overrides: Partial<Omit<NewRequest, 'townId'>> = {}): Promise<string> {
  const t = await town(db, townSlug);
  const request = await insertRequest(db, {
    townId: t.id,
    familyId: null,
    accountId: null,
    childId: null,
    type: 'add_member',
    status: 'sent',
    summary: `Demande ${unique()}`,
    payload: {},
    now: new Date(),
    ...overrides,
  });
  return request.id;
}

/** A message on a request, by the parent by default. */
export async function createMessage(
  db: Queryable,
  townSlug: string,
  m: Partial<Omit<NewMessage, 'townId'>> & { requestId: string },
): Promise<string> {
  const t = await town(db, townSlug);
  return insertMessage(db, {
    townId: t.id,
    author: 'parent',
    accountId: null,
    agentId: null,
    authorLabel: 'Parent',
    body: 'Message',
    now: new Date(),
    ...m,
  });
}

/** The days of an absence request; `justified` as the agent's decision leaves them. */
export async function createAbsenceDays(
  db: Queryable,
  townSlug: string,
  a: { requestId: string; childId: string; days: NewAbsenceDay[]; justified?: boolean },
): Promise<void> {
  const t = await town(db, townSlug);
  await insertAbsenceDays(db, t.id, a.requestId, a.childId, a.days);
  if (a.justified) await setJustified(db, t.id, a.requestId, true);
}

/** A private document of an account, without files by default. */
export async function createDocument(
  db: Queryable,
  townSlug: string,
  accountId: string,
  overrides: Partial<NewDocument> & { files?: NewFile[]; now?: Date } = {},
): Promise<string> {
  const t = await town(db, townSlug);
  const { files = [], now = new Date(), ...doc } = overrides;
  return insertDocument(
    db,
    { townId: t.id, accountId },
    { kind: 'autre', title: 'Document', number: '', issuingAuthority: '', issuedOn: null, validUntil: null, ...doc },
    files,
    now,
  );
}

/** A news item, a draft unless `publishedAt` is given. */
export async function createNews(
  db: Queryable,
  townSlug: string,
  overrides: Partial<{
    title: string;
    body: string;
    publishedAt: Date | null;
    now: Date;
    visibility: 'public' | 'families';
    targetActivityId: string | null;
    targetSchoolId: string | null;
  }> = {},
): Promise<string> {
  const t = await town(db, townSlug);
  const now = overrides.now ?? new Date();
  const id = await insertNews(
    db,
    t.id,
    {
      title: overrides.title ?? `Actualité ${unique()}`,
      body: overrides.body ?? 'Texte.',
      visibility: overrides.visibility ?? 'public',
      targetActivityId: overrides.targetActivityId ?? null,
      targetSchoolId: overrides.targetSchoolId ?? null,
    },
    now,
  );
  if (overrides.publishedAt) await setNewsPublishedAt(db, t.id, id, overrides.publishedAt);
  return id;
}

/** A closure (or school holiday) of the town, one day by default. */
export async function createClosure(
  db: Queryable,
  townSlug: string,
  c: Partial<Omit<Closure, 'id'>> & { startDate: string },
): Promise<string> {
  const t = await town(db, townSlug);
  return insertClosure(db, t.id, { kind: 'closure', label: 'Fermeture', endDate: c.startDate, ...c });
}

/** A parent's VALIDER of an activity, with its status and outcome (none by default). */
export async function createSubmission(
  db: Queryable,
  townSlug: string,
  s: {
    familyId: string;
    accountId: string;
    activityId: string;
    key?: string;
    status?: SubmissionRow['status'];
    outcome?: OutcomeLine[];
    requestId?: string | null;
    now?: Date;
  },
): Promise<string> {
  const t = await town(db, townSlug);
  const id = await insertSubmission(db, {
    townId: t.id,
    familyId: s.familyId,
    accountId: s.accountId,
    activityId: s.activityId,
    key: s.key ?? `cle-de-test-${unique()}`.padEnd(24, '0'),
    createdAt: s.now ?? new Date(),
  });
  if (!id) throw new Error('submission not created: the key is taken');
  await setSubmissionOutcome(db, id, s.status ?? 'confirmed', s.outcome ?? [], s.requestId ?? null);
  return id;
}

/** A new version of the town's CGU or legal notice (the next number), as an admin publishes it. */
export async function createTextVersion(
  db: Queryable,
  townSlug: string,
  t: { kind: TextKind; body: string; publishedBy?: string; now?: Date },
): Promise<number> {
  const found = await town(db, townSlug);
  return insertTextVersion(db, found.id, t.kind, t.body, t.publishedBy ?? 'Administrateur de test', t.now ?? new Date());
}

/**
 * A rate-limit window already holding `points` attempts, open for the next hour from `now`:
 * the next attempt past the limit is refused. (No repository writes this table yet: the
 * limiter's own upsert lives in src/lib/rate-limit.ts.)
 */
export async function useUpRateLimit(db: Queryable, key: string, points: number, now: Date): Promise<void> {
  await db.query(
    `insert into rate_limits (key, points, window_ends_at) values ($1, $2, $3::timestamptz + interval '1 hour')
     on conflict (key) do update set points = excluded.points, window_ends_at = excluded.window_ends_at`,
    [key, points, now],
  );
}

// ---------------------------------------------------------------- billing

/** A régie of the town, collecting the given activities' invoices. */
export async function createRegie(
  db: Queryable,
  townSlug: string,
  r: { activityIds?: string[]; name?: string; code?: string } = {},
): Promise<string> {
  const t = await town(db, townSlug);
  // The counter alone: unique in the test file's database, and a valid code (2–10 capitals or digits).
  counter += 1;
  const id = await insertRegie(db, t.id, { name: r.name ?? `Régie ${counter}`, code: r.code ?? `R${counter}` });
  for (const activityId of r.activityIds ?? []) {
    if (!(await setActivityRegie(db, t.id, activityId, id))) throw new Error('activity not put in the régie: not of the town');
  }
  return id;
}

/**
 * A tariff of an activity: by default Talloires-Montmin's brackets (QF < 1100 → 0,99 €, then
 * 3,80 / 4,30 / 4,80 €) from the start of the 2026-2027 school year, meals, no reduction.
 */
export async function createTariff(
  db: Queryable,
  townSlug: string,
  activityId: string,
  overrides: Partial<NewTariff> = {},
): Promise<string> {
  const t = await town(db, townSlug);
  const tariff = {
    activityId,
    schoolYear: '2026-2027',
    effectiveFrom: '2026-09-01',
    model: 'brackets',
    brackets: [
      { qfMin: 0, priceCents: 99, nonResidentPriceCents: null },
      { qfMin: 1100, priceCents: 380, nonResidentPriceCents: null },
      { qfMin: 1500, priceCents: 430, nonResidentPriceCents: null },
      { qfMin: 2000, priceCents: 480, nonResidentPriceCents: null },
    ],
    sibling2ReductionBp: 0,
    sibling3ReductionBp: 0,
    category: 'repas',
    createdBy: null,
    ...overrides,
  } as NewTariff;
  return insertTariff(db, t.id, tariff);
}

/** A family's QF, recorded by an agent, in force from the start of the school year by default. */
export async function createQuotient(
  db: Queryable,
  townSlug: string,
  q: Partial<NewQuotient> & { familyId: string; qf: number },
): Promise<void> {
  const t = await town(db, townSlug);
  const saved = await saveQuotient(db, t.id, { effectiveFrom: '2026-09-01', source: 'agent', requestId: null, recordedBy: null, ...q });
  if (!saved) throw new Error('QF not recorded: the family is not of the town');
}

/** The town's billing settings (the migration's defaults for what is not given). */
export async function setBillingSettings(db: Queryable, townSlug: string, s: Partial<BillingSettings>): Promise<void> {
  const t = await town(db, townSlug);
  await saveBillingSettings(db, t.id, { unreservedSurchargeBp: 3000, invoiceDueDay: 15, residentPostalCodes: [], ...s }, new Date());
}

/** Who pays the family's invoices, and whether separated parents are each invoiced for their own bookings. */
export async function setPayer(
  db: Queryable,
  townSlug: string,
  familyId: string,
  p: { payerAdultId?: string | null; splitInvoicing?: boolean },
): Promise<void> {
  const t = await town(db, townSlug);
  if (!(await setFamilyPayer(db, t.id, familyId, { payerAdultId: p.payerAdultId ?? null, splitInvoicing: p.splitInvoicing ?? false }))) {
    throw new Error('payer not set: the adult is not of this family');
  }
}

/** An invoice paid on the given instant (payments come with the next issue: this is what they will record). */
export async function payInvoice(db: Queryable, townSlug: string, invoiceId: string, paidAt: Date): Promise<void> {
  const t = await town(db, townSlug);
  if (!(await setInvoicePaid(db, t.id, invoiceId, paidAt))) throw new Error('invoice not paid: not of the town, or paid already');
}

/** One child's line of an attendance sheet, as an agent records it. */
export async function createAttendance(
  db: Queryable,
  townSlug: string,
  a: {
    activityId: string;
    enrolmentId: string;
    childId: string;
    day: string;
    present: boolean;
    reserved: boolean;
    agentId?: string | null;
  },
): Promise<void> {
  const t = await town(db, townSlug);
  await upsertAttendance(db, t.id, a.activityId, a.day, a.agentId ?? null, new Date(), [
    { childId: a.childId, enrolmentId: a.enrolmentId, present: a.present, reserved: a.reserved },
  ]);
}

let registrations = 0;

/**
 * What the sign-up wizard hands `registerAccount`: a Villennes-sur-Seine parent with a unique
 * email and username; override what a test needs.
 */
export function registrationInput(overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  registrations += 1;
  const tag = `${registrations}${Math.random().toString(36).slice(2, 6)}`;
  return {
    civility: 'Mme',
    lastName: 'Langlois',
    birthName: '',
    firstNames: 'Nathalie',
    birthDate: null,
    birthCountry: '',
    birthDepartment: '',
    birthCommune: '',
    photoId: null,
    addressNumber: '3',
    addressStreet: 'rue de la Paix',
    addressBuilding: '',
    addressApartment: '',
    addressComplement: '',
    postalCode: '78670',
    city: 'Villennes-sur-Seine',
    country: 'France',
    phone: '',
    mobile: '',
    fax: '',
    email: `nathalie${tag}@example.fr`,
    preferredContact: 'courriel',
    username: `nlanglois${tag}`,
    password: GOOD_PASSWORD,
    cleEnfance: '',
    ...overrides,
  };
}

/**
 * A town form (NOUVELLE DÉMARCHE, issue 17) with its draft fields, published as version 1
 * unless `published: false`; its service is the town's first unless `serviceName` says which.
 */
export async function createTownForm(
  db: Queryable,
  townSlug: string,
  overrides: { title?: string; intro?: string; serviceName?: string; fields?: unknown[]; published?: boolean } = {},
) {
  const t = await town(db, townSlug);
  const forms = await import('../../src/repositories/town-forms.repository.js');
  const { listServices } = await import('../../src/repositories/towns.repository.js');
  const services = await listServices(db, t.id);
  const service = overrides.serviceName ? services.find((s) => s.name === overrides.serviceName) : services[0];
  if (!service) throw new Error(`no service ${overrides.serviceName ?? ''} in ${townSlug}`);
  const title = overrides.title ?? `Formulaire ${unique()}`;
  const intro = overrides.intro ?? '';
  const fields = overrides.fields ?? [{ id: 'c1', kind: 'text', label: 'Objet', help: '', required: true, options: [] }];
  const now = new Date();
  const id = await forms.insertForm(db, t.id, { serviceId: service.id, title, intro }, now);
  await forms.updateFormFields(db, t.id, id, fields, now);
  let versionId: string | null = null;
  if (overrides.published !== false) {
    versionId = await forms.insertVersion(
      db,
      t.id,
      { formId: id, version: 1, serviceId: service.id, serviceName: service.name, title, intro, fields },
      now,
    );
    await forms.setPublishedVersion(db, t.id, id, versionId, now);
  }
  return { id, versionId, title, serviceId: service.id, serviceName: service.name };
}

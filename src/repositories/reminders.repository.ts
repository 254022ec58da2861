import type { Queryable } from '../db/pool.js';

export interface ReminderPreferences {
  bookings: boolean;
  dossiers: boolean;
  invoices: boolean;
}

export type ReminderKind = keyof ReminderPreferences;

/** No row means the defaults: every reminder on. */
export async function findPreferences(db: Queryable, accountId: string): Promise<ReminderPreferences> {
  const { rows } = await db.query<ReminderPreferences>(
    `select bookings, dossiers, invoices from reminder_preferences where account_id = $1`,
    [accountId],
  );
  return rows[0] ?? { bookings: true, dossiers: true, invoices: true };
}

export async function savePreferences(db: Queryable, accountId: string, p: ReminderPreferences, now: Date): Promise<void> {
  await db.query(
    `insert into reminder_preferences (account_id, bookings, dossiers, invoices, updated_at) values ($1, $2, $3, $4, $5)
     on conflict (account_id) do update set bookings = $2, dossiers = $3, invoices = $4, updated_at = $5`,
    [accountId, p.bookings, p.dossiers, p.invoices, now],
  );
}

export interface Recipient {
  accountId: string;
  email: string;
  civility: 'M' | 'Mme';
  firstNames: string;
  lastName: string;
}

/**
 * The family's validated, active accounts that want reminders of `kind` (no preference row:
 * they do). `accountId`: only this account (an invoice of split invoicing is its parent's alone).
 */
export async function reminderRecipients(
  db: Queryable,
  townId: string,
  familyId: string,
  kind: ReminderKind,
  accountId: string | null = null,
): Promise<Recipient[]> {
  const { rows } = await db.query<Recipient>(
    `select a.id as "accountId", a.email, a.civility, a.first_names as "firstNames", a.last_name as "lastName"
       from accounts a left join reminder_preferences p on p.account_id = a.id
      where a.town_id = $1 and a.family_id = $2 and a.disabled_at is null and a.validation_status = 'validated'
        and ($4::uuid is null or a.id = $4)
        and coalesce(case $3 when 'bookings' then p.bookings when 'dossiers' then p.dossiers else p.invoices end, true)
      order by a.created_at`,
    [townId, familyId, kind, accountId],
  );
  return rows;
}

/** Records a reminder as sent; false if it already was (the key is the "once"). */
export async function recordSentReminder(
  db: Queryable,
  r: { townId: string; accountId: string; kind: 'booking' | 'invoice'; subjectId: string; period: string; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into sent_reminders (town_id, account_id, kind, subject_id, period, sent_at) values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing`,
    [r.townId, r.accountId, r.kind, r.subjectId, r.period, r.now],
  );
  return (rowCount ?? 0) > 0;
}

export interface CurrentEnrolment {
  townId: string;
  familyId: string;
  enrolmentId: string;
  childId: string;
  childFirstNames: string;
  startDate: string;
  endDate: string;
  activityId: string;
}

/** Every town's enrolments still running after `today`, of children in a family file. */
export async function listCurrentEnrolments(db: Queryable, today: string): Promise<CurrentEnrolment[]> {
  const { rows } = await db.query<CurrentEnrolment>(
    `select e.town_id as "townId", c.family_id as "familyId", e.id as "enrolmentId", e.child_id as "childId",
            c.first_names as "childFirstNames", e.start_date as "startDate", e.end_date as "endDate", e.activity_id as "activityId"
       from enrolments e join children c on c.id = e.child_id and c.town_id = e.town_id
      where e.end_date >= $1
      order by e.town_id, e.activity_id`,
    [today],
  );
  return rows;
}

/** Whether the child has any reservation (booked or waiting) in the enrolment between two days. */
export async function hasReservationBetween(
  db: Queryable,
  townId: string,
  enrolmentId: string,
  from: string,
  to: string,
): Promise<boolean> {
  const { rows } = await db.query(`select 1 from reservations where town_id = $1 and enrolment_id = $2 and day between $3 and $4 limit 1`, [
    townId,
    enrolmentId,
    from,
    to,
  ]);
  return rows.length > 0;
}

export interface DueInvoice {
  townId: string;
  familyId: string;
  accountId: string | null;
  invoiceId: string;
  number: string;
  dueOn: string;
  totalCents: number;
}

/** Every town's invoices not paid whose due day is between two days; `accountId` only for a split one (its parent's alone). */
export async function listUnpaidInvoicesDue(db: Queryable, from: string, to: string): Promise<DueInvoice[]> {
  const { rows } = await db.query<DueInvoice>(
    `select town_id as "townId", family_id as "familyId", case when split then account_id end as "accountId", id as "invoiceId", number,
            due_on as "dueOn", total_cents as "totalCents"
       from invoices where status = 'issued' and due_on between $1 and $2 order by town_id, family_id, due_on`,
    [from, to],
  );
  return rows;
}

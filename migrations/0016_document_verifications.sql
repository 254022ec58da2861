-- Parents' billing pages (issue 14): contesting an invoice line is a request of its own
-- type, and every document a family produces itself ("Édition de documents": the
-- attestation fiscale, the attestation of payment) carries a verification code that a
-- third party (an employer, the CAF) checks on a public page.

alter table requests drop constraint requests_type_check;
alter table requests add constraint requests_type_check
  check (type in ('child_update', 'add_member', 'contact_change', 'reservation', 'absence', 'enrolment', 'invoice_contest'));

-- What the public page shows of a document: its kind, its dates and its amounts, nothing
-- else. No name, no address: `details` holds the year or the period, the issue date and
-- the amounts (per child by position, "1er enfant", in the order the PDF lists them).
create table document_verifications (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- 60 random bits in Crockford's base 32 (12 characters, printed in groups of four):
  -- unguessable, and the public page is rate-limited.
  code text not null unique check (code ~ '^[0-9A-HJKMNP-TV-Z]{12}$'),
  kind text not null check (kind in ('attestation_fiscale', 'attestation_paiement')),
  -- Which family produced it, for the town's own follow-up; never shown on the public page.
  family_id uuid,
  issued_at timestamptz not null,
  details jsonb not null,
  created_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete set null (family_id)
);
create index document_verifications_family_idx on document_verifications (town_id, family_id);

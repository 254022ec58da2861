-- Switching from another portal (issue 20): besides the families, the import takes the old
-- portal's enrolments, reservations to come and quotients familiaux (docs/import-reprise.md,
-- ADR 0025). Same jobs, same queue, same report of rejected rows; `kind` says which file it
-- is (the open balances: see the end of this file). Each kind is idempotent through the natural key of what it creates (enrolments:
-- activity, child, start; reservations: activity, child, day; quotients: family, start), so
-- no extra table remembers the rows. The counters families_created / families_existing
-- count, for these kinds, the rows created and the rows already there.
alter table import_jobs
  add column kind text not null default 'familles' check (kind in ('familles', 'inscriptions', 'reservations', 'quotients'));

-- The old portal's open balances (kind 'soldes'): each becomes an invoice of a régie of the
-- town, numbered in its series like any other, with one line "Reprise de solde", that the
-- family sees and pays as any invoice (ADR 0025). `source_ref` is the old portal's document
-- number: the key that makes a second import of the same file create nothing.
alter table import_jobs drop constraint import_jobs_kind_check;
alter table import_jobs add constraint import_jobs_kind_check
  check (kind in ('familles', 'inscriptions', 'reservations', 'quotients', 'soldes'));

alter table invoices
  add column kind text not null default 'monthly' check (kind in ('monthly', 'opening_balance')),
  add column source_ref text check (source_ref is null or length(source_ref) between 1 and 60),
  add constraint invoices_source_ref_kind check ((kind = 'opening_balance') = (source_ref is not null));
-- A month is invoiced once per régie, family and payer: that rule is the monthly run's; an
-- opening balance issued the same month must not take the run's place.
drop index invoices_once_idx;
create unique index invoices_once_idx on invoices (regie_id, month, family_id,
  coalesce(account_id, '00000000-0000-0000-0000-000000000000'::uuid)) where kind = 'monthly';
create unique index invoices_opening_balance_idx on invoices (regie_id, family_id, source_ref) where kind = 'opening_balance';

alter table invoice_lines drop constraint invoice_lines_kind_check;
alter table invoice_lines add constraint invoice_lines_kind_check check (kind in ('reserved', 'reserved_present',
  'reserved_absent_unjustified', 'unreserved_surcharge', 'absent_justified', 'opening_balance'));
-- 'reprise': neither a meal nor childcare, so never in a tax certificate of childcare costs.
alter table invoice_lines drop constraint invoice_lines_category_check;
alter table invoice_lines add constraint invoice_lines_category_check check (category in ('repas', 'garde', 'reprise'));

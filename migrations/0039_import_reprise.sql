-- Switching from another portal (issue 20): besides the families, the import takes the old
-- portal's enrolments, reservations to come and quotients familiaux (docs/import-reprise.md,
-- ADR 0025). Same jobs, same queue, same report of rejected rows; `kind` says which file it
-- is. Each kind is idempotent through the natural key of what it creates (enrolments:
-- activity, child, start; reservations: activity, child, day; quotients: family, start), so
-- no extra table remembers the rows. The counters families_created / families_existing
-- count, for these kinds, the rows created and the rows already there.
alter table import_jobs
  add column kind text not null default 'familles' check (kind in ('familles', 'inscriptions', 'reservations', 'quotients'));

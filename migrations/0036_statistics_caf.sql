-- Statistics and the CAF's monthly return (issue 19, "Figures").

-- Whether the activity is declared to the CAF (prestation de service) and how its attendance
-- is counted there: hours (each day present counts `caf_hours_per_day` hours) or actes (one
-- per day present). See docs/statistiques-et-caf.md.
alter table activities
  add column caf_declared boolean not null default false,
  add column caf_unit text not null default 'heures' check (caf_unit in ('heures', 'actes')),
  add column caf_hours_per_day numeric(4, 2) check (caf_hours_per_day is null or (caf_hours_per_day > 0 and caf_hours_per_day <= 24)),
  add constraint activities_caf_hours_check check (not caf_declared or caf_unit <> 'heures' or caf_hours_per_day is not null);

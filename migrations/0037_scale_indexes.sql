-- Indexes the hot pages need once a town holds 100,000 families (issue 20, "Data at scale";
-- found by test/integration/scale/query-plans.test.ts, which runs EXPLAIN on every statement
-- of those pages and fails on a sequential scan of a large table).

-- The agents' family search matches what they type anywhere in a name, a key, an email or a
-- username (`like '%…%'`): a B-tree cannot serve a pattern that starts with a wildcard,
-- trigrams can. pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's
-- owner may create it. The expressions are exactly those of searchFamilies
-- (src/repositories/family-files.repository.ts), which unions one branch per table so that
-- each branch uses its table's indexes.
create extension if not exists pg_trgm;

create index families_name_trgm_idx on families using gin (fold_text(name) gin_trgm_ops);
create index families_key_trgm_idx on families using gin (lower(cle_enfance) gin_trgm_ops);
create index families_external_ref_trgm_idx on families using gin (lower(coalesce(external_ref, '')) gin_trgm_ops);
create index children_full_name_trgm_idx on children using gin (fold_text(first_names || ' ' || last_name) gin_trgm_ops);
create index family_adults_full_name_trgm_idx on family_adults using gin (fold_text(first_names || ' ' || last_name) gin_trgm_ops);
create index family_adults_email_trgm_idx on family_adults using gin (email gin_trgm_ops);
create index accounts_full_name_trgm_idx on accounts using gin (fold_text(first_names || ' ' || last_name) gin_trgm_ops);
create index accounts_email_trgm_idx on accounts using gin (email gin_trgm_ops);
create index accounts_username_trgm_idx on accounts using gin (lower(username) gin_trgm_ops);

-- A day's sheet of an activity (the agents' day page, the kitchen's counts): its bookings of
-- that day. The unique (activity_id, child_id, day) index only narrows to the activity, every
-- child's every day of it: 280,000 entries read for the 2,000 of one day of a large canteen.
create index reservations_activity_day_idx on reservations (activity_id, day);

-- The requests still to process, by type and status (the agents' queue's summary and home
-- page): a handful of the town's requests, all the others decided. The queue's index
-- (town_id, status, created_at) cannot skip the decided ones for `status not in (…)`.
create index requests_open_idx on requests (town_id, type, status) where status not in ('accepted', 'refused');

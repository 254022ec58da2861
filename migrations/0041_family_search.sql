-- The agents' family search in one index (issue 20, "Data at scale"). Matching each table on
-- its own trigram index (migration 0037) found the same families four times over: a common
-- name ("gérard", 1,386 families of 100,000) rechecked 7,600 rows — the families, then their
-- children, adults and accounts — in about 30 ms, to keep 1,386. Each family now carries its
-- search text, folded like the names: its name, key and reference, its children's names, its
-- adults' names and emails, its accounts' names, emails and usernames, one per line (what
-- an agent types is one line, so a match never spans two people). One trigram index serves
-- it; one row per family is rechecked.

alter table families add column search_text text not null default '';

-- The list's order, folded like the search (a name with an accent sorts with its letter),
-- stored rather than computed for each of the 1,386 families a common name finds.
alter table families add column name_sort text generated always as (fold_text(name)) stored;
drop index families_name_idx;
create index families_name_sort_idx on families (town_id, name_sort, name, id);

-- The text of one family, from what the tables hold now.
create function family_search_text(p_family_id uuid, p_name text, p_cle_enfance text, p_external_ref text)
  returns text language sql stable parallel safe as $$
  select fold_text(concat_ws(E'\n', p_name, p_cle_enfance, coalesce(p_external_ref, ''),
    (select string_agg(c.first_names || ' ' || c.last_name, E'\n') from children c where c.family_id = p_family_id),
    (select string_agg(fa.first_names || ' ' || fa.last_name || E'\n' || coalesce(fa.email, ''), E'\n')
       from family_adults fa where fa.family_id = p_family_id),
    (select string_agg(a.first_names || ' ' || a.last_name || E'\n' || coalesce(a.email, '') || E'\n' || coalesce(a.username, ''), E'\n')
       from accounts a where a.family_id = p_family_id)))
$$;

-- The family's own columns: computed as the row is written.
create function families_search_text_row() returns trigger language plpgsql as $$
begin
  new.search_text := family_search_text(new.id, new.name, new.cle_enfance, new.external_ref);
  return new;
end $$;

create trigger families_search_text before insert or update of name, cle_enfance, external_ref on families
  for each row execute function families_search_text_row();

-- A child, adult or account added or removed: its family's text again, once per statement
-- for all the families it touched (an import or the scale seed writes thousands at once).
-- The update sets search_text alone, which does not fire the trigger above.
create function families_search_text_refresh() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update families f set search_text = family_search_text(f.id, f.name, f.cle_enfance, f.external_ref)
     where f.id in (select family_id from new_rows where family_id is not null);
  else
    update families f set search_text = family_search_text(f.id, f.name, f.cle_enfance, f.external_ref)
     where f.id in (select family_id from old_rows where family_id is not null);
  end if;
  return null;
end $$;

-- Updated: only when what the text holds changed, so that an account's sign-in (its
-- last_sign_in_at) or a child's class never writes to its family's row. TG_ARGV[0] lists the
-- columns the text reads, family_id among them.
create function families_search_text_refresh_changed() returns trigger language plpgsql as $$
begin
  execute format(
    'update families f set search_text = family_search_text(f.id, f.name, f.cle_enfance, f.external_ref)
      where f.id in (select x.family_id
                       from new_rows n join old_rows o on o.id = n.id,
                            lateral (values (n.family_id), (o.family_id)) x (family_id)
                      where x.family_id is not null and (%s) is distinct from (%s))',
    (select string_agg('n.' || c, ', ') from unnest(string_to_array(tg_argv[0], ',')) c),
    (select string_agg('o.' || c, ', ') from unnest(string_to_array(tg_argv[0], ',')) c));
  return null;
end $$;

create trigger children_search_insert after insert on children
  referencing new table as new_rows for each statement execute function families_search_text_refresh();
create trigger children_search_update after update on children
  referencing new table as new_rows old table as old_rows for each statement
  execute function families_search_text_refresh_changed('family_id,first_names,last_name');
create trigger children_search_delete after delete on children
  referencing old table as old_rows for each statement execute function families_search_text_refresh();

create trigger family_adults_search_insert after insert on family_adults
  referencing new table as new_rows for each statement execute function families_search_text_refresh();
create trigger family_adults_search_update after update on family_adults
  referencing new table as new_rows old table as old_rows for each statement
  execute function families_search_text_refresh_changed('family_id,first_names,last_name,email');
create trigger family_adults_search_delete after delete on family_adults
  referencing old table as old_rows for each statement execute function families_search_text_refresh();

create trigger accounts_search_insert after insert on accounts
  referencing new table as new_rows for each statement execute function families_search_text_refresh();
create trigger accounts_search_update after update on accounts
  referencing new table as new_rows old table as old_rows for each statement
  execute function families_search_text_refresh_changed('family_id,first_names,last_name,email,username');
create trigger accounts_search_delete after delete on accounts
  referencing old table as old_rows for each statement execute function families_search_text_refresh();

update families f set search_text = family_search_text(f.id, f.name, f.cle_enfance, f.external_ref);

create index families_search_trgm_idx on families using gin (search_text gin_trgm_ops);

-- Replaced by the index above.
drop index families_name_trgm_idx, families_key_trgm_idx, families_external_ref_trgm_idx,
  children_full_name_trgm_idx, family_adults_full_name_trgm_idx, family_adults_email_trgm_idx,
  accounts_full_name_trgm_idx, accounts_email_trgm_idx, accounts_username_trgm_idx;

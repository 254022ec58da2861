-- ACTUALITÉS for families (issue 17): an item is public (every visitor) or for signed-in
-- families only, and a families' item may be aimed at the families with a child enrolled in
-- one activity, or at one school of the town. A target removed takes the item back to every
-- signed-in family rather than deleting it.
alter table news add column visibility text not null default 'public' check (visibility in ('public', 'families'));
alter table news add column target_activity_id uuid;
alter table news add column target_school_id uuid;
alter table news add constraint news_target_activity_fk foreign key (town_id, target_activity_id)
  references activities (town_id, id) on delete set null (target_activity_id);
alter table news add constraint news_target_school_fk foreign key (town_id, target_school_id)
  references schools (town_id, id) on delete set null (target_school_id);
-- One target at most, and only on an item for families: a public item reaches everyone anyway.
alter table news add constraint news_target_check check (
  (target_activity_id is null or target_school_id is null)
  and (visibility = 'families' or (target_activity_id is null and target_school_id is null))
);

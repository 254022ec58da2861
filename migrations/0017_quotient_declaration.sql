-- The parent's QF declaration (issue 14): a request of its own type, with the attestation
-- CAF attached to its first message, that an agent accepts (recording the QF with source
-- 'parent_declaration' and the request's id, 0015) or refuses.
--
-- Other migrations of this round may widen the same list (a contested invoice line): the
-- type's check is rebuilt from whatever list it holds now plus ours, so the order in which
-- they are applied does not drop anyone's type.
do $$
declare
  current_name text;
  current_def text;
begin
  -- Found by what it checks rather than by name, whoever rebuilt it last.
  select c.conname, pg_get_constraintdef(c.oid) into current_name, current_def
    from pg_constraint c
   where c.conrelid = 'requests'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%''child_update''%';
  if current_def is null then
    raise exception 'the check of requests.type was not found';
  end if;
  if position('''quotient_declaration''' in current_def) > 0 then
    return;
  end if;
  execute format('alter table requests drop constraint %I', current_name);
  -- "CHECK ((type = ANY (ARRAY['child_update'::text, …])))": one more element in the array.
  execute 'alter table requests add constraint requests_type_check '
    || replace(current_def, 'ARRAY[', 'ARRAY[''quotient_declaration''::text, ');
end;
$$;

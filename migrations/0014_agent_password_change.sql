-- An agent's password chosen by an admin (creating the agent, or resetting its password) is
-- known to someone else: the agent must choose their own at their next sign-in, before any
-- page of the back-office opens (issue 10).
alter table agents add column must_change_password boolean not null default false;

-- The agents an admin created in the back-office still sign in with the password that admin
-- chose (agents had no way to change it). Those created from the command line chose their own.
update agents a
   set must_change_password = true
 where exists (
   select 1 from audit_log l
    where l.town_id = a.town_id and l.action = 'agent.create' and l.target_type = 'agent'
      and l.target_id = a.id::text and l.agent_id is not null
 );

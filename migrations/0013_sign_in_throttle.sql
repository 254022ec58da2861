-- Failed sign-ins, counted for the browsers that have never signed in to the account
-- (issue 10: five wrong passwords used to lock the owner out too). One row per account,
-- per agent, or per identifier that matches nobody, so an unknown identifier is throttled
-- exactly like a real one and the CAPTCHA reveals nothing. Browsers holding the account's
-- device cookie are not counted here (src/lib/lockout.ts, docs/security-limits.md).
--
-- accounts.failed_sign_ins, last_failed_sign_in_at and locked_until (0002) and the same
-- columns of agents (0003) are no longer read or written: this table replaces them.
create table sign_in_throttle (
  -- 'parent:<account id>', 'agent:<agent id>', or 'unknown:<town id>:<parent|agent>:<sha-256 of the identifier>'.
  key text primary key,
  -- Failures of the current burst: failures less than the observation window apart.
  failures integer not null check (failures > 0),
  last_failed_at timestamptz not null,
  -- Until then, browsers without the device cookie are refused without a password check.
  locked_until timestamptz,
  created_at timestamptz not null default now()
);

create index sign_in_throttle_last_failed_at_idx on sign_in_throttle (last_failed_at);

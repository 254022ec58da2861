-- PayFiP (issue 15): the mode a town sends PayFiP as `saisie` — 'T' test (nothing is taken),
-- 'X' activation (the DGFiP's validation run before going live), 'W' production. The
-- régies' client numbers are regies.payfip_numcli (0019). Neither is a secret: PayFiP's
-- régie web service has none, and no credential of any provider is kept in the database.
alter table billing_settings
  add column payfip_mode text not null default 'T' check (payfip_mode in ('T', 'X', 'W'));

-- The agents' payments pages (issue 15, pay-agents): a payment belongs to the day it was paid,
-- or ended (refused, abandoned, failed), or, still open, started. The lists and totals of a
-- period filter on that instant; 0019's payments_day_idx has no settled_at in it.
create index payments_agents_day_idx on payments (town_id, (coalesce(paid_at, settled_at, created_at)));

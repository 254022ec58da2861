-- A child's day of an activity is invoiced once (0015: one line per child, activity and day).
-- The régie's form refuses to put an activity another régie has invoiced into a new one, since
-- a run picks a régie's activities by their current régie; this index is the last word should
-- any path still try: the run's batch rolls back rather than bill the days a second time.
-- Split invoicing does not need two lines: each day is booked by one parent's account and
-- goes on that parent's invoice only. Lines whose child or activity was deleted (null) are
-- left out, as a unique index leaves out nulls.
-- Led by the activity: the régie's form looks up an activity's lines through it.
create unique index invoice_lines_once_idx on invoice_lines (activity_id, child_id, day);

-- The agents' queue "à traiter" (sent and in progress, oldest first; issue 20): the first 50
-- in order, read from this index and nothing else. requests_queue_idx (town_id, status,
-- created_at) gives them per status, so the two statuses' rows were all read and sorted, 4,600
-- in a large town, to show 50. The queue's count reads requests_open_idx (migration 0037).
create index requests_to_process_idx on requests (town_id, created_at, id) where status in ('sent', 'in_progress');

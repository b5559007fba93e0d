/**
 * Each checkpoint commit carries the number of the one before it plus one, so a commit whose
 * acknowledgement was lost (applied, but reported as failed) is recognised when retried, not applied twice.
 */
export default `
ALTER TABLE checkpoints ADD COLUMN commit_id bigint NOT NULL DEFAULT 0;
`;

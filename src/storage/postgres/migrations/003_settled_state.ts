/**
 * Appeals the processor has retired stay in the store for a while, marked settled, so an event that
 * comes after the allowed lateness can still be reconciled with the appeal's whole story.
 */
export default `
ALTER TABLE processor_state ADD COLUMN settled_at bigint;
CREATE INDEX processor_state_settled ON processor_state (name, settled_at) WHERE settled_at IS NOT NULL;
`;

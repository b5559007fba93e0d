/**
 * The stream processor's keyed state (one row per live appeal), written incrementally with each
 * checkpoint: only what changed since the previous one.
 */
export default `
CREATE TABLE processor_state (
  name  text NOT NULL,
  key   text NOT NULL,
  value json NOT NULL,
  PRIMARY KEY (name, key)
);
`;

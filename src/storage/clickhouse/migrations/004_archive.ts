/**
 * The archive's record (see ../archive-days.ts): each day (part) that left the hot log, with the file
 * that holds it and the digest it was checked by. Written before the day's events are deleted, so a day
 * is always in the log, or in a recorded file, or both for the moment the deletion takes.
 */
export default () => [
  `CREATE TABLE IF NOT EXISTS archived_days (
     day Int64, part UInt32, file String, events UInt64, sha256 String, min_seq UInt64, max_seq UInt64, tenants String, archived_at Int64
   ) ENGINE = ReplacingMergeTree ORDER BY (day, part)`,
];

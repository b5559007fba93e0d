/**
 * The partitioned log's idempotency key led by the claimed time (issue #10: insert rate flat as the
 * store grows). Migration 012 keyed each day's partition by (tenant, id, key_ts): with ids random like
 * UUIDs, every insert descended to a page of its own anywhere in an index of the whole day (7M entries
 * at tier 3's rate), and once that index outgrew memory each insert cost a read; the insert rate fell by
 * a third over each day (docs/STORAGE.md, growth). Led by key_ts, live traffic, which claims times near
 * now, lands on the index's right edge, the few pages that stay in memory, whatever the day holds; a
 * late event or a retry descends by its claimed time as before. The key is the same set of columns, so
 * `ON CONFLICT DO NOTHING` and the dedup it gives are unchanged; nothing reads the log by (tenant, id).
 *
 * Rebuilds the key of every partition: on a large log this takes about as long as indexing it.
 */
export default `
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (key_ts, tenant, id);
`;

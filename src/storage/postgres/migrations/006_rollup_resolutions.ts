/**
 * History at any range in milliseconds: rollups at three resolutions (minute, hour, day; UTC), the
 * histograms as sparse integer arrays `{bin, count, bin, count, …}` over the fixed bin layout of
 * metrics/wait-histogram.ts, merged in the database (ccp_hist_add and its aggregate ccp_hist_sum), and
 * the QA level kept as a running total per queue × channel instead of summed over all history.
 */
export default `
CREATE FUNCTION ccp_hist_add(a int[], b int[]) RETURNS int[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(v.x ORDER BY m.bin, v.k), '{}')
  FROM (SELECT p.bin, sum(p.c)::int AS c
        FROM (SELECT a[i] AS bin, a[i + 1] AS c FROM generate_series(1, coalesce(cardinality(a), 0), 2) i
              UNION ALL
              SELECT b[i], b[i + 1] FROM generate_series(1, coalesce(cardinality(b), 0), 2) i) p
        GROUP BY p.bin HAVING sum(p.c) <> 0) m
  CROSS JOIN LATERAL (VALUES (1, m.bin), (2, m.c)) v(k, x)
$$;
CREATE AGGREGATE ccp_hist_sum(int[]) (SFUNC = ccp_hist_add, STYPE = int[], INITCOND = '{}');

CREATE FUNCTION ccp_counts_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(s.k, s.n), '{}')
  FROM (SELECT t.k, sum(t.v::bigint) AS n
        FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) t(k, v)
        GROUP BY t.k HAVING sum(t.v::bigint) <> 0) s
$$;
CREATE AGGREGATE ccp_counts_sum(jsonb) (SFUNC = ccp_counts_add, STYPE = jsonb, INITCOND = '{}');

CREATE FUNCTION ccp_hist_of_json(h jsonb) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(v.x ORDER BY e.key::int, v.k), '{}')
  FROM jsonb_each_text(h) e CROSS JOIN LATERAL (VALUES (1, e.key::int), (2, e.value::int)) v(k, x)
$$;

ALTER TABLE rollups ADD COLUMN wait_bins int[] NOT NULL DEFAULT '{}', ADD COLUMN abandon_bins int[] NOT NULL DEFAULT '{}';
UPDATE rollups SET wait_bins = ccp_hist_of_json(wait_hist), abandon_bins = ccp_hist_of_json(abandon_hist)
 WHERE wait_hist <> '{}' OR abandon_hist <> '{}';
ALTER TABLE rollups DROP COLUMN wait_hist, DROP COLUMN abandon_hist;
ALTER TABLE rollups RENAME COLUMN wait_bins TO wait_hist;
ALTER TABLE rollups RENAME COLUMN abandon_bins TO abandon_hist;
DROP FUNCTION ccp_hist_of_json(jsonb);

CREATE TABLE rollups_hour (LIKE rollups INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE rollups_hour ADD PRIMARY KEY (tenant, bucket, queue, channel, operator);
CREATE TABLE rollups_day (LIKE rollups INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE rollups_day ADD PRIMARY KEY (tenant, bucket, queue, channel, operator);

INSERT INTO rollups_hour
SELECT tenant, date_bin('1 hour', bucket, timestamptz 'epoch') AS b, queue, channel, operator,
       sum(offered), sum(aa), sum(ha), sum(missed), sum(wait_sum_ms), sum(wait_count), sum(handle_sum_ms), sum(handle_count),
       sum(qa_delta), ccp_counts_sum(repairs), ccp_hist_sum(wait_hist), ccp_hist_sum(abandon_hist)
FROM rollups GROUP BY tenant, b, queue, channel, operator;
INSERT INTO rollups_day
SELECT tenant, date_bin('1 day', bucket, timestamptz 'epoch') AS b, queue, channel, operator,
       sum(offered), sum(aa), sum(ha), sum(missed), sum(wait_sum_ms), sum(wait_count), sum(handle_sum_ms), sum(handle_count),
       sum(qa_delta), ccp_counts_sum(repairs), ccp_hist_sum(wait_hist), ccp_hist_sum(abandon_hist)
FROM rollups_hour GROUP BY tenant, b, queue, channel, operator;

CREATE TABLE qa_totals (
  tenant  text   NOT NULL,
  queue   text   NOT NULL,
  channel text   NOT NULL,
  qa      bigint NOT NULL,
  PRIMARY KEY (tenant, queue, channel)
);
INSERT INTO qa_totals SELECT tenant, queue, channel, sum(qa_delta) FROM rollups WHERE operator = '' GROUP BY tenant, queue, channel;
`;

import { SUMMED } from '../rollups.js';

/**
 * The queue-level rollups read without the operator-level ones (issue #10: a week of history in
 * ≤ 75 ms). Each rollup table is keyed (tenant, bucket, queue, channel, operator): a queue-level read of
 * a range (operator = '', what the dashboard's history and QA read) walked every operator's row of every
 * bucket in it, ~50 times the rows it kept at a 1,000-operator center, and page by page from disk once
 * the log's traffic had pushed them out of memory (measured: 123 ms for 1,600 hour rows of a week's read,
 * 3,700 pages). A partial index of the queue-level rows alone, carrying every column a read takes, answers
 * those reads from its own few pages (an index-only scan where the table's pages are all-visible).
 */
const INCLUDED = `queue, channel, operator, ${SUMMED.join(', ')}, wait_hist, abandon_hist`;

export default ['rollups', 'rollups_hour', 'rollups_day']
  .map((t) => `CREATE INDEX ${t}_queue_level ON ${t} (tenant, bucket) INCLUDE (${INCLUDED}) WHERE operator = '';`)
  .join('\n');

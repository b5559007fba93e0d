/**
 * Which queues and channels an advice item is about, read from its key (src/recommend: `kind:queue:channel`
 * for the rules' items, where the channel never holds ':'; the items with more names escape each one with
 * keyPart). Routing by queue and channel reads this; an item about no queue (a campaign's) has none.
 */
export interface About {
  queue: string;
  channel: string;
}

const unescape = (part: string) => part.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export function aboutOf(kind: string, key: string): About[] {
  if (!key.startsWith(`${kind}:`)) return [];
  const rest = key.slice(kind.length + 1);
  if (kind.startsWith('campaign-')) return [];
  if (kind === 'staffing-move') {
    // from > to, each `queue:channel` escaped
    return rest.split('>').flatMap((side) => {
      const [queue, channel] = side.split(':');
      return queue !== undefined && channel !== undefined ? [{ queue: unescape(queue), channel: unescape(channel) }] : [];
    });
  }
  if (kind === 'aht-outlier') {
    const [queue, channel] = rest.split(':');
    return queue !== undefined && channel !== undefined ? [{ queue: unescape(queue), channel: unescape(channel) }] : [];
  }
  // the rules' `queue:channel`: the queue as it is (it may hold ':'), the channel after the last ':'
  const at = rest.lastIndexOf(':');
  return at < 0 ? [] : [{ queue: rest.slice(0, at), channel: rest.slice(at + 1) }];
}

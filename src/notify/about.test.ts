import { describe, expect, it } from 'vitest';
import { keyPart } from '../recommend/advisor/key-part.js';
import { aboutOf } from './about.js';

describe('aboutOf', () => {
  it('reads the queue and channel of the rules\' keys, a queue with ":" in it included', () => {
    expect(aboutOf('sl-under-target', 'sl-under-target:sales:voice')).toEqual([{ queue: 'sales', channel: 'voice' }]);
    expect(aboutOf('long-wait', 'long-wait:a:b:webchat')).toEqual([{ queue: 'a:b', channel: 'webchat' }]);
    expect(aboutOf('staffing-add', 'staffing-add:__proto__:constructor')).toEqual([{ queue: '__proto__', channel: 'constructor' }]);
  });

  it('reads both sides of a move and the escaped names of an outlier', () => {
    const q = 'a:b>c%';
    expect(aboutOf('staffing-move', `staffing-move:${keyPart(q)}:voice>${keyPart('x')}:webchat`)).toEqual([{ queue: q, channel: 'voice' }, { queue: 'x', channel: 'webchat' }]);
    expect(aboutOf('aht-outlier', `aht-outlier:${keyPart(q)}:voice:${keyPart('op:1')}`)).toEqual([{ queue: q, channel: 'voice' }]);
  });

  it('finds no queue in a campaign\'s item, nor in a key of another kind', () => {
    expect(aboutOf('campaign-late', 'campaign-late:renewals')).toEqual([]);
    expect(aboutOf('long-wait', 'abandon-high:a:voice')).toEqual([]);
  });
});

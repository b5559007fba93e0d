/**
 * The what-if thread: runs the simulations of POST /v1/whatif (hundreds of milliseconds of CPU) so that
 * they never take the event loop that serves ingest and the live stream. Its priority is lowered: the
 * live path gets the CPU first.
 */
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../runtime/thread-priority.js';
import { whatIf, type WhatIfAction, type WhatIfCampaign, type WhatIfStream } from './whatif.js';

lowerThisThreadPriority();

export interface WhatIfRequest {
  id: number;
  streams: WhatIfStream[];
  campaigns: WhatIfCampaign[];
  actions: WhatIfAction[];
  opts: { runs: number; horizonMinutes: number; startTime: number };
}

parentPort!.on('message', (r: WhatIfRequest) => {
  try {
    parentPort!.postMessage({ id: r.id, result: whatIf(r.streams, r.actions, r.opts, r.campaigns) });
  } catch (err) {
    parentPort!.postMessage({ id: r.id, error: (err as Error).message });
  }
});

import type { Worker } from 'node:worker_threads';

export interface WorkerCallsOptions<Reply extends { id: number }, Result> {
  /** What the thread is called in errors ("the history thread exited …"). */
  name: string;
  /** A new thread (started on the first call, and again after one failed). */
  start(): Worker;
  /** A reply turned into the call's result, or its error; `restart` ends the thread (the next call starts another). */
  settle(reply: Reply): { value: Result } | { error: Error; restart?: boolean };
  /** The error every call in flight gets when the thread itself fails (out of memory, a crash). */
  crashed(err: Error & { code?: string }): Error;
}

/**
 * Calls to a worker thread, seen from the thread that makes them: each call gets an id and is answered
 * by the reply carrying it; calls may overlap. The thread is started on the first call and kept
 * (unreferenced: an idle one does not keep the process alive); when it fails, every call in flight
 * fails with it and the next call starts a new one. Closing it fails the calls in flight, so that no
 * caller waits forever (one may hold a lock while it waits).
 */
export class WorkerCalls<Reply extends { id: number }, Result> {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(private readonly opts: WorkerCallsOptions<Reply, Result>) {}

  /** Calls in flight. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Posts the message `build(id)` makes and resolves with the reply that carries `id`. */
  call(build: (id: number) => unknown): Promise<Result> {
    const worker = this.worker ?? this.spawn();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(build(id));
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const q of this.waiting.values()) q.reject(new Error(`the ${this.opts.name} thread was stopped`));
    this.waiting.clear();
    await w?.terminate();
  }

  private spawn(): Worker {
    const worker = this.opts.start();
    worker.unref();
    worker.on('message', (m: Reply) => {
      const call = this.waiting.get(m.id);
      if (!call) return;
      this.waiting.delete(m.id);
      const s = this.opts.settle(m);
      if ('value' in s) return call.resolve(s.value);
      call.reject(s.error);
      if (s.restart) this.fail(worker, s.error);
    });
    worker.on('error', (err: Error & { code?: string }) => this.fail(worker, this.opts.crashed(err)));
    worker.on('exit', (code) => this.fail(worker, new Error(`the ${this.opts.name} thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Every call in flight fails with `err`; the thread is ended and the next call starts a new one. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const q of this.waiting.values()) q.reject(err);
    this.waiting.clear();
  }
}

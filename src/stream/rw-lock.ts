/**
 * A fair readers–writer lock. Metric queries (readers) read storage and then overlay the deltas not yet
 * committed; a checkpoint commit (writer) moves those deltas into storage. Holding the lock keeps a
 * query from seeing a delta twice or not at all.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ write: boolean; wake: () => void }> = [];

  async read<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await fn();
    } finally {
      this.readers--;
      this.drain();
    }
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.drain();
    }
  }

  private acquire(write: boolean): Promise<void> {
    return new Promise((wake) => {
      this.queue.push({ write, wake });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length && !this.writer) {
      const next = this.queue[0];
      if (next.write) {
        if (this.readers > 0) return;
        this.writer = true;
      } else {
        this.readers++;
      }
      this.queue.shift();
      next.wake();
    }
  }
}

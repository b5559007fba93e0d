/**
 * A storage whose every asynchronous call is timed by its operation (the method's name: a fixed set,
 * so a bounded label), for `ccpulse_storage_operation_duration_seconds`. A Proxy rather than a wrapper
 * class: the Storage interface has some fifty methods on three backends, and a new one is timed without
 * anyone remembering to. Methods run on the real object (`this` is the backend, its private fields intact).
 */
export type StorageCallRecorder = (operation: string, seconds: number, ok: boolean) => void;

export function timedStorage<S extends object>(storage: S, record: StorageCallRecorder): S {
  // by the function, not its name: a method replaced on the object (a test's stand-in) is timed as itself
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(storage, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      // a frozen own property must be handed out as it is (a Proxy invariant): left untimed
      const own = Object.getOwnPropertyDescriptor(target, prop);
      if (own && !own.configurable && !own.writable) return value;
      const method = value as (...args: unknown[]) => unknown;
      let fn = wrapped.get(method);
      if (!fn) {
        fn = function timed(...args: unknown[]) {
          const started = performance.now();
          const out = method.apply(target, args);
          // synchronous methods (a name, a memory reading) are not storage calls worth timing
          if (!(out instanceof Promise)) return out;
          return out.then(
            (v) => (record(prop, (performance.now() - started) / 1000, true), v),
            (err: unknown) => {
              record(prop, (performance.now() - started) / 1000, false);
              throw err;
            },
          );
        };
        wrapped.set(method, fn);
      }
      return fn;
    },
  });
}

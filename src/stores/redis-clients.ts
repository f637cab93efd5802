// The two Redis packages this package works with, told apart by their shapes, and Lua scripts run
// on either: ioredis takes a command's arguments as written, node-redis takes options objects.

/** The part of a node-redis (`redis` package, v4 or later) client, cluster, pool or sentinel {@link RedisRefreshLock} uses. */
export interface NodeRedisScriptClientLike {
  /** How the lock recognizes a node-redis client. */
  readonly isOpen: boolean;
  /** `EVAL script numkeys keys... args...`: the lock's steps, each one atomic. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** The part of an ioredis client (`Redis` or `Cluster`) {@link RedisRefreshLock} uses. */
export interface IoRedisScriptClientLike {
  /** With `call`, how the lock recognizes an ioredis client. */
  readonly status: string;
  /** Present on every ioredis client; the lock does not call it. */
  call(...args: never[]): unknown;
  /** `EVAL script numkeys keys... args...`: the lock's steps, each one atomic. */
  eval(script: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** A connected client of either Redis package that can run Lua scripts. */
export type RedisScriptClientLike = NodeRedisScriptClientLike | IoRedisScriptClientLike;

/** Whether `client` is an ioredis client or cluster. */
export function isIoRedis(client: object): client is { status: string; call: unknown } {
  const candidate = client as Partial<Record<'call' | 'status', unknown>>;
  return typeof candidate.call === 'function' && typeof candidate.status === 'string';
}

/** Whether `client` is a node-redis client, cluster, pool or sentinel. */
export function isNodeRedis(client: object): client is { isOpen: boolean } {
  return typeof (client as Partial<Record<'isOpen', unknown>>).isOpen === 'boolean';
}

/** Runs a Lua script with its keys and arguments; resolves the script's reply. */
export type RunScript = (script: string, keys: string[], args: string[]) => Promise<unknown>;

/** How to run scripts on `client`, or undefined when it is neither package's client. */
export function scriptRunner(client: RedisScriptClientLike): RunScript | undefined {
  if (typeof client.eval !== 'function') return undefined;
  if (isIoRedis(client)) {
    const io = client as IoRedisScriptClientLike;
    return (script, keys, args) => io.eval(script, keys.length, ...keys, ...args);
  }
  if (isNodeRedis(client)) {
    const node = client as NodeRedisScriptClientLike;
    return (script, keys, args) => node.eval(script, { keys, arguments: args });
  }
  return undefined;
}

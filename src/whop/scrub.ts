import { EventEmitter } from 'node:events';
import { types } from 'node:util';
import { SecretForms } from './redact.js';

export { clientCredentials, MIN_SECRET_LENGTH, redact, REDACTED } from './redact.js';

// Whop's error bodies quote what they were sent ("Authorization code <code> was already used",
// "client_secret <secret> is not valid"), and so do transport errors, stores' errors and the
// app's own (an HTTP client's error holds the request's headers): every error that leaves a
// login, a refresh, a revoke or an access check goes through scrubError with the secrets of its
// exchange before anyone can log it. Only the error path pays for this.

/** How many objects one error's scrubbing looks into at most; an error's graph is small. */
const MAX_OBJECTS = 10_000;

/**
 * How an object is treated: an error, plain data (a plain object, an array), another class's
 * instance, live I/O (an EventEmitter: a request, a socket, a stream), or left alone (binary
 * data, collections, promises, functions: none of them prints a string field as it is).
 */
type Kind = 'error' | 'data' | 'instance' | 'io' | 'skip';

function kindOf(value: object): Kind {
  try {
    return kindOfObject(value);
  } catch {
    // A Proxy whose traps throw: nothing can be read from it, nor changed.
    return 'skip';
  }
}

function kindOfObject(value: object): Kind {
  if (typeof value === 'function') return 'skip';
  // isNativeError: an error of another realm (vm) too, which fails `instanceof Error`.
  if (types.isNativeError(value) || value instanceof Error) return 'error';
  if (Array.isArray(value)) return 'data';
  if (
    ArrayBuffer.isView(value) ||
    types.isAnyArrayBuffer(value) ||
    types.isMap(value) ||
    types.isSet(value) ||
    types.isWeakMap(value) ||
    types.isWeakSet(value) ||
    types.isPromise(value) ||
    types.isDate(value) ||
    types.isRegExp(value) ||
    types.isBoxedPrimitive(value)
  )
    return 'skip';
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || Object.getPrototypeOf(proto) === null) return 'data';
  return value instanceof EventEmitter ? 'io' : 'instance';
}

/** Whether a field of a `parent` object is looked into: from live I/O, only errors and data. */
function follows(parent: Kind, child: Kind): boolean {
  if (child === 'skip') return false;
  return parent !== 'io' || child === 'error' || child === 'data';
}

/** One object met while scrubbing. */
interface Node {
  readonly kind: Kind;
  readonly keys: readonly (string | symbol)[];
  readonly fields: Map<string | symbol, PropertyDescriptor>;
  readonly children: object[];
  /** Whether a key or a string of its own holds a secret. */
  holds: boolean;
  /** Whether a field that must change cannot be (frozen, non-writable and non-configurable). */
  readonly locked: boolean;
  /** Whether it is replaced by a scrubbed copy. */
  copied: boolean;
}

/** Whether this field is an error's `stack` kept behind a getter. */
function isStackGetter(kind: Kind, key: string | symbol, field: PropertyDescriptor): boolean {
  return kind === 'error' && key === 'stack' && field.get !== undefined;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Own fields, as descriptors; an object whose fields cannot be read (a Proxy that throws) has none. */
function fieldsOf(target: object): Map<string | symbol, PropertyDescriptor> {
  const fields = new Map<string | symbol, PropertyDescriptor>();
  try {
    for (const key of Reflect.ownKeys(target)) {
      const field = Reflect.getOwnPropertyDescriptor(target, key);
      if (field) fields.set(key, field);
    }
  } catch {
    // Nothing more can be read from outside.
  }
  return fields;
}

class Scrubber {
  private readonly nodes = new Map<object, Node>();
  private readonly copies = new Map<object, object>();

  constructor(private readonly secrets: SecretForms) {}

  /** `value` scrubbed: a string redacted, an object scrubbed in place or copied, the rest as is. */
  clean(value: unknown): unknown {
    if (typeof value === 'string') return this.secrets.redact(value);
    if (!isObject(value)) return value;
    this.discover(value);
    this.decideCopies();
    for (const [target, node] of this.nodes) this.rewrite(target, node);
    return this.copies.get(value) ?? value;
  }

  /** Every object reachable from `root` through own fields, without recursion (causes nest deep). */
  private discover(root: object): void {
    const pending: object[] = [root];
    while (pending.length > 0 && this.nodes.size < MAX_OBJECTS) {
      const target = pending.pop()!;
      if (this.nodes.has(target)) continue;
      try {
        this.visit(target, pending);
      } catch {
        // A Proxy's trap that throws: nothing can be read from outside, nor changed.
      }
    }
  }

  /** Records one object, and queues the objects it holds. */
  private visit(target: object, pending: object[]): void {
    const kind = kindOf(target);
    if (kind === 'skip') return;
    const fields = fieldsOf(target);
    const node: Node = {
      kind,
      keys: [...fields.keys()],
      fields,
      children: [],
      holds: false,
      locked: false,
      copied: false,
    };
    let locked = false;
    for (const [key, field] of fields) {
      // Another engine's (or a later V8's) `stack` may be an accessor: read it, never others.
      const value = isStackGetter(kind, key, field) ? this.read(target, key) : field.value;
      const keyHolds = typeof key === 'string' && this.secrets.holds(key);
      const valueHolds = typeof value === 'string' && this.secrets.holds(value);
      node.holds ||= keyHolds || valueHolds;
      // A key is renamed by deleting it and adding the new one; a value set by assignment or
      // by defining the field again.
      if (keyHolds && (!field.configurable || !Object.isExtensible(target))) locked = true;
      if (valueHolds && !field.configurable && (field.get || !field.writable)) locked = true;
      if (isObject(value) && follows(kind, kindOf(value))) {
        node.children.push(value);
        pending.push(value);
      }
    }
    (node as { locked: boolean }).locked = locked;
    this.nodes.set(target, node);
  }

  private read(target: object, key: string | symbol): unknown {
    try {
      return Reflect.get(target, key);
    } catch {
      return undefined;
    }
  }

  /**
   * Which objects are replaced by copies: those that must change and cannot, then, until nothing
   * more changes, those that cannot point at a copy instead of the original.
   */
  private decideCopies(): void {
    for (const node of this.nodes.values()) node.copied = node.holds && node.locked;
    for (let changed = true; changed;) {
      changed = false;
      for (const node of this.nodes.values()) {
        if (node.copied || !node.children.some((child) => this.nodes.get(child)?.copied)) continue;
        if (!this.canRepoint(node)) {
          node.copied = true;
          changed = true;
        }
      }
    }
    for (const [target, node] of this.nodes)
      if (node.copied) this.copies.set(target, shell(target, node.kind));
  }

  /** Whether each field holding a copied object can be pointed at the copy. */
  private canRepoint(node: Node): boolean {
    for (const field of node.fields.values()) {
      if (!isObject(field.value) || !this.nodes.get(field.value)?.copied) continue;
      if (!field.configurable && !field.writable) return false;
    }
    return true;
  }

  /** Each field of `target` (or of its copy) with its strings redacted and copies pointed at. */
  private rewrite(target: object, node: Node): void {
    const copy = this.copies.get(target);
    const into = copy ?? target;
    for (const key of node.keys) {
      const field = node.fields.get(key)!;
      const stack = isStackGetter(node.kind, key, field) ? this.read(target, key) : undefined;
      // A stack getter that shows a secret is replaced by its text, redacted.
      const data =
        field.get === undefined || (typeof stack === 'string' && this.secrets.holds(stack));
      const value: unknown = stack ?? field.value;
      const cleaned = !data
        ? value
        : typeof value === 'string'
          ? this.secrets.redact(value)
          : isObject(value)
            ? (this.copies.get(value) ?? value)
            : value;
      const name = typeof key === 'string' ? this.secrets.redact(key) : key;
      if (copy === undefined && cleaned === value && name === key && field.get === undefined)
        continue;
      if (copy === undefined && !data) continue;
      const written: PropertyDescriptor = data
        ? {
            value: cleaned,
            writable: field.get === undefined ? field.writable : true,
            enumerable: field.enumerable,
            configurable: field.configurable,
          }
        : field;
      define(into, key, name, written, copy !== undefined);
    }
    if (copy !== undefined) keepIntegrity(target, copy);
  }
}

/** Writes one field, keeping its enumerability and the rest of its descriptor. */
function define(
  into: object,
  key: string | symbol,
  name: string | symbol,
  field: PropertyDescriptor,
  fresh: boolean,
): void {
  try {
    if (name !== key && !fresh) Reflect.deleteProperty(into, key);
    if (Reflect.defineProperty(into, name, field) || fresh) return;
    // Non-configurable but writable: only the value can change, by assignment.
    Reflect.set(into, name, field.value);
  } catch {
    // A Proxy's trap that throws: nothing more can be done from outside.
  }
}

/**
 * An empty object to copy `target` into, of the same class: for an error, a native error of
 * this realm with the original's prototype (so `instanceof` its class, and another realm's, still
 * holds, and util.inspect shows it as an error); an array for an array.
 */
function shell(target: object, kind: Kind): object {
  const proto = Object.getPrototypeOf(target) as object | null;
  let copy: object;
  if (kind === 'error') {
    copy = new Error();
    for (const key of Reflect.ownKeys(copy)) Reflect.deleteProperty(copy, key);
  } else copy = Array.isArray(target) ? [] : {};
  Object.setPrototypeOf(copy, proto);
  return copy;
}

/** The copy of a frozen (sealed, non-extensible) object is made so too. */
function keepIntegrity(target: object, copy: object): void {
  if (Object.isFrozen(target)) Object.freeze(copy);
  else if (Object.isSealed(target)) Object.seal(copy);
  else if (!Object.isExtensible(target)) Object.preventExtensions(copy);
}

/**
 * Takes every secret of an operation (the code, the state, the client secret, the PKCE verifier,
 * the tokens sent and received) out of `error`, in every form (see {@link SecretForms}): from
 * its `message`, `stack`, every own field (enumerable or not, `errors` of an AggregateError
 * included) and key, and every error, plain object, array and class instance they hold, `cause`
 * to any depth. In place, keeping each field's enumerability, so the error keeps its class and
 * fields; what cannot be changed (a frozen error, a read-only field) is replaced by a scrubbed
 * copy with the same prototype. Live I/O objects (a request, a socket) keep their fields that
 * are not errors or data. A thrown string is returned redacted. Returns `error` or its copy.
 *
 * @internal
 */
export function scrubError<T>(error: T, secrets: Iterable<unknown>): T {
  const forms = new SecretForms(secrets);
  if (forms.empty) return error;
  return new Scrubber(forms).clean(error) as T;
}

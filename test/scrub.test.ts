import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { runInNewContext } from 'node:vm';
import { InternalOAuthError } from '../src/index.js';
import { scrubError } from '../src/whop/scrub.js';

const CODE = 'code_quoted_by_whop_1';

/** Everything a log line could show of an error: its text, stack, and fields (causes too). */
function logged(error: unknown): string {
  return [String(error), (error as Error).stack, inspect(error, { depth: 10 })].join('\n');
}

describe('scrub', () => {
  describe('scrubError', () => {
    let error: Error & Record<string, unknown>;
    beforeEach(() => {
      const inner = Object.assign(new Error(`inner ${CODE}`), { body: { said: CODE } });
      const outer = new InternalOAuthError(`outer ${CODE}`, inner) as unknown as Error &
        Record<string, unknown>;
      outer.cause = inner;
      outer.list = [`at ${CODE}`];
      error = scrubError(outer, [CODE]);
    });

    it('keeps the class', () => expect(error).to.be.instanceOf(InternalOAuthError));
    it('scrubs the message', () => expect(error.message).to.equal('outer [redacted]'));
    it('scrubs the stack', () => expect(error.stack).not.to.include(CODE));
    it('scrubs the cause and its fields', () => expect(logged(error.cause)).not.to.include(CODE));
    it('scrubs arrays among the fields', () => expect(error.list).to.deep.equal(['at [redacted]']));
    it('leaves nothing to log', () => expect(logged(error)).not.to.include(CODE));
    it('redacts a thrown string', () =>
      expect(scrubError(`no ${CODE}`, [CODE])).to.equal('no [redacted]'));
  });

  describe('where a secret hides', () => {
    /** Everything util.inspect shows, hidden fields included, at any depth. */
    const everything = (error: unknown) =>
      `${logged(error)}\n${inspect(error, { depth: Infinity, showHidden: true })}`;

    it('a plain object inside an error', () => {
      const error = Object.assign(new Error('x'), { response: { body: { said: CODE } } });
      scrubError(error, [CODE]);
      expect(error.response.body.said).to.equal('[redacted]');
    });

    it('a non-enumerable field, which stays non-enumerable', () => {
      const error = new Error('x');
      Object.defineProperty(error, 'request', {
        value: `code=${CODE}`,
        enumerable: false,
        writable: true,
        configurable: true,
      });
      scrubError(error, [CODE]);
      expect(Object.getOwnPropertyDescriptor(error, 'request')).to.deep.include({
        value: 'code=[redacted]',
        enumerable: false,
      });
    });

    it("an AggregateError's errors", () => {
      const error = new AggregateError([new Error(`first ${CODE}`), `second ${CODE}`], 'both');
      scrubError(error, [CODE]);
      expect(everything(error)).not.to.include(CODE);
      expect(error.errors[1]).to.equal('second [redacted]');
    });

    it('a cause 50 errors deep', () => {
      let error = new Error(`deepest ${CODE}`);
      for (let i = 0; i < 50; i++) error = new Error(`level ${i}`, { cause: error });
      scrubError(error, [CODE]);
      let deepest: Error = error;
      while (deepest.cause instanceof Error) deepest = deepest.cause;
      expect(deepest.message).to.equal('deepest [redacted]');
    });

    it('causes in a cycle, which end', () => {
      const first = new Error(`first ${CODE}`);
      const second = new Error(`second ${CODE}`, { cause: first });
      first.cause = second;
      scrubError(first, [CODE]);
      expect([first.message, second.message]).to.deep.equal([
        'first [redacted]',
        'second [redacted]',
      ]);
    });

    it('a key of a field', () => {
      const error = Object.assign(new Error('x'), { seen: { [CODE]: true } });
      scrubError(error, [CODE]);
      expect(Object.keys(error.seen)).to.deep.equal(['[redacted]']);
    });

    it('a class instance, which keeps its class and its fields enumerable', () => {
      class Response {
        constructor(readonly body: string) {}
      }
      const error = Object.assign(new Error('x'), { response: new Response(`echo ${CODE}`) });
      scrubError(error, [CODE]);
      expect(error.response).to.be.instanceOf(Response);
      expect(error.response.body).to.equal('echo [redacted]');
      expect(Object.keys(error)).to.deep.equal(['response']);
      expect(Object.keys(error.response)).to.deep.equal(['body']);
    });
  });

  describe('an error that cannot be changed', () => {
    class AppError extends Error {
      readonly detail = `detail ${CODE}`;
    }
    let original: AppError;
    let scrubbed: AppError;
    beforeEach(() => {
      original = Object.freeze(new AppError(`frozen ${CODE}`));
      scrubbed = scrubError(original, [CODE]);
    });

    it('is replaced by a copy of the same class', () => {
      expect(scrubbed).not.to.equal(original);
      expect(scrubbed).to.be.instanceOf(AppError);
    });
    it('whose message, stack and fields are scrubbed', () => {
      expect(scrubbed.message).to.equal('frozen [redacted]');
      expect(scrubbed.detail).to.equal('detail [redacted]');
      expect(scrubbed.stack).to.match(/^Error: frozen \[redacted\]/);
    });
    it('which is frozen too', () => expect(Object.isFrozen(scrubbed)).to.equal(true));
    it('which util.inspect shows as an error', () =>
      expect(inspect(scrubbed)).to.match(/^AppError: frozen \[redacted\]/));

    it('is replaced where it is a cause', () => {
      const outer = new Error('outer', { cause: original });
      scrubError(outer, [CODE]);
      expect(logged(outer)).not.to.include(CODE);
      expect(outer.cause).to.be.instanceOf(AppError);
    });

    it('is replaced up the chain when its holder is frozen too', () => {
      const outer = Object.freeze(new Error('outer', { cause: original }));
      const copy = scrubError(outer, [CODE]);
      expect(logged(copy)).not.to.include(CODE);
      expect(copy).not.to.equal(outer);
    });

    it('a read-only field is scrubbed in a copy, as non-enumerable as it was', () => {
      const error = new Error('x');
      Object.defineProperty(error, 'request', { value: `code=${CODE}`, enumerable: false });
      const copy = scrubError(error, [CODE]);
      expect(copy).not.to.equal(error);
      expect(Object.getOwnPropertyDescriptor(copy, 'request')).to.deep.equal({
        value: 'code=[redacted]',
        enumerable: false,
        writable: false,
        configurable: false,
      });
    });

    it('is left as it is when it holds no secret', () => {
      const frozen = Object.freeze(new Error('nothing to hide'));
      expect(scrubError(frozen, [CODE])).to.equal(frozen);
    });
  });

  describe('an error of another realm', () => {
    it('is scrubbed, though it fails instanceof Error', () => {
      const error = runInNewContext(`new Error('vm ${CODE}')`) as Error;
      expect(error instanceof Error).to.equal(false);
      scrubError(error, [CODE]);
      expect(error.message).to.equal('vm [redacted]');
    });

    it('frozen, is copied with its own prototype', () => {
      const error = runInNewContext(`Object.freeze(new TypeError('vm ${CODE}'))`) as Error;
      const copy = scrubError(error, [CODE]);
      expect(Object.getPrototypeOf(copy)).to.equal(Object.getPrototypeOf(error));
      expect(copy.message).to.equal('vm [redacted]');
    });
  });

  describe('live I/O held by an error (a request, a socket)', () => {
    class Request extends EventEmitter {
      readonly _header = `POST /token\r\nAuthorization: Bearer ${CODE}`;
      readonly agent = new Agent();
      readonly headers = { authorization: `Bearer ${CODE}` };
    }
    class Agent {
      readonly note = `agent ${CODE}`;
    }
    let request: Request;
    beforeEach(() => {
      request = new Request();
      scrubError(Object.assign(new Error('x'), { request }), [CODE]);
    });

    it('has its own strings scrubbed', () =>
      expect(request._header).to.equal('POST /token\r\nAuthorization: Bearer [redacted]'));
    it('has the plain data it holds scrubbed', () =>
      expect(request.headers.authorization).to.equal('Bearer [redacted]'));
    it("is not followed into other objects' insides", () =>
      expect(request.agent.note).to.equal(`agent ${CODE}`));
  });

  describe('objects that fight back', () => {
    it('a Proxy whose traps throw is left alone, without a throw', () => {
      const trap = () => {
        throw new Error('trap');
      };
      const proxy = new Proxy({}, { ownKeys: trap, getPrototypeOf: trap });
      const error = Object.assign(new Error(`x ${CODE}`), { proxy });
      expect(() => scrubError(error, [CODE])).not.to.throw();
      expect(error.message).to.equal('x [redacted]');
    });
  });
});

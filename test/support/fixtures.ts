import { readFileSync } from 'node:fs';

/** A fixture from test/fixtures, without its `_source` note. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);
  const { _source: _note, ...body } = JSON.parse(readFileSync(url, 'utf8')) as Record<
    string,
    unknown
  >;
  return body as T;
}

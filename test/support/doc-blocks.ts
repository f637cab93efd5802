// Reads the code blocks and links out of README.md and docs/, for test/docs.test.ts.
// The conventions (which blocks are compiled, which are run) are in CONTRIBUTING.md.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** How a block is run, from the `<!-- runnable: KIND -->` comment before its fence. */
export type RunKind = 'server' | 'mocha';

export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The line of the block's first code line (1-based). */
  readonly line: number;
  /** The fence's language (`ts`, `js`, `sh`, ...), lowercased. */
  readonly lang: string;
  readonly code: string;
  readonly run?: RunKind;
  /** A server's further pages (`<!-- runnable: server /dashboard -->`), each to answer 200 once logged in. */
  readonly pages?: readonly string[];
}

export interface DocLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** README.md, CONTRIBUTING.md and every Markdown file under docs/ (not docs/api/, generated). */
export function docFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && path !== join('docs', 'api')) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  return files;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;
const RUNNABLE = /^<!--\s*runnable:\s*(\S+)((?:\s+\/\S*)*)\s*-->$/;

/** The fenced code blocks of one Markdown file. */
export function readBlocks(file: string): DocBlock[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  let lastComment: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      const text = lines[i]!.trim();
      if (text !== '') lastComment = RUNNABLE.test(text) ? text : undefined;
      continue;
    }
    const [, indent, fence, lang = ''] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence!)) end++;
    const [, marker, pages = ''] = lastComment === undefined ? [] : RUNNABLE.exec(lastComment)!;
    if (marker !== undefined && marker !== 'server' && marker !== 'mocha') {
      throw new Error(`${file}:${i + 1}: unknown <!-- runnable: ${marker} --> (server or mocha)`);
    }
    const code = lines
      .slice(start, end)
      .map((line) => (line.startsWith(indent!) ? line.slice(indent!.length) : line))
      .join('\n');
    blocks.push({
      file,
      line: start + 1,
      lang: lang.toLowerCase(),
      code,
      run: marker as RunKind | undefined,
      ...(pages.trim() && { pages: pages.trim().split(/\s+/) }),
    });
    lastComment = undefined;
    i = end;
  }
  return blocks;
}

/** Relative links (`[text](path#anchor)`) outside code blocks. */
export function readLinks(file: string): DocLink[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const links: DocLink[] = [];
  let fence: string | undefined;
  lines.forEach((text, index) => {
    const open = FENCE.exec(text);
    if (open) {
      if (fence === undefined) fence = open[2];
      else if (text.trim().startsWith(fence)) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (!/^[a-z]+:/i.test(target)) links.push({ file, line: index + 1, target });
    }
  });
  return links;
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings, with GitHub's `-1`, `-2` for repeats. */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fence: string | undefined;
  for (const text of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    const open = FENCE.exec(text);
    if (open) {
      if (fence === undefined) fence = open[2];
      else if (text.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*)$/.exec(text) : null;
    if (!heading) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Where a link points, relative to the repository root, and its anchor. */
export function resolveLink(link: DocLink): { path: string; anchor?: string } {
  const [path = '', anchor] = link.target.split('#');
  const target = path === '' ? link.file : relative(ROOT, resolve(ROOT, dirname(link.file), path));
  return anchor === undefined ? { path: target } : { path: target, anchor };
}

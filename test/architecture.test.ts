// ARCHITECTURE.md stays true: every file its tables name exists and declares the function named beside it,
// and the import rules it states hold for the sources.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const architecture = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

function sources(folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
}

/** Declares `name` as a function, a method, or an arrow property / const. */
function declares(text: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, '\\$');
  return new RegExp(
    `(function\\s+${escaped}\\b|^\\s*(?:async\\s+|private\\s+|readonly\\s+)*${escaped}\\s*(?:<[^>]*>)?\\(|\\b${escaped}\\s*=|\\b${escaped}\\s*:\\s*(?:async\\s*)?\\()`,
    'm',
  ).test(text);
}

describe('ARCHITECTURE.md', () => {
  const rows = [...architecture.matchAll(/^\| \d+ \| `([^`]+)` \| `([^`]+)` \|/gm)].map((match) => ({ file: match[1]!, fn: match[2]! }));

  it('names files that exist and functions they declare', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const { file, fn } of rows) {
      const path = join(root, file);
      expect(existsSync(path), `${file} exists`).toBe(true);
      expect(declares(readFileSync(path, 'utf8'), fn), `${file} declares ${fn}`).toBe(true);
    }
  });

  it('names only paths that exist', () => {
    const paths = [...architecture.matchAll(/`((?:packages|adapters|test)\/[^`]+\.ts)`/g)].map((match) => match[1]!);
    for (const path of paths.filter((one) => !/redis|azure|ops-x/.test(one))) expect(existsSync(join(root, path)), path).toBe(true);
  });
});

describe('import rules', () => {
  it('@cairn/core imports no other Cairn package and no cloud SDK', () => {
    for (const file of sources('packages/core/src')) {
      for (const specifier of importsOf(file)) {
        expect(/^@cairn\/|^@aws-sdk\/|^@google-cloud\/|^google-auth-library/.test(specifier), `${relative(root, file)} imports ${specifier}`).toBe(false);
      }
    }
  });

  it('inside core: shared, journal, engine and hooks import only the layers below them', () => {
    const forbidden: Record<string, RegExp> = {
      'packages/core/src/shared': /\/(engine|host|journal|http)\/|\.\.\/runtime/,
      'packages/core/src/journal': /\/(engine|host|http)\/|\.\.\/runtime/,
      'packages/core/src/engine': /\/(host|http|hooks)\/|\.\.\/runtime/,
      'packages/core/src/hooks': /\/(host|http)\/|\.\.\/runtime/,
    };
    for (const [folder, pattern] of Object.entries(forbidden)) {
      for (const file of sources(folder)) {
        for (const specifier of importsOf(file)) expect(pattern.test(specifier), `${relative(root, file)} imports ${specifier}`).toBe(false);
      }
    }
  });

  it('an adapter imports @cairn/core and never another adapter', () => {
    for (const adapter of readdirSync(join(root, 'adapters'))) {
      for (const file of sources(`adapters/${adapter}/src`)) {
        for (const specifier of importsOf(file)) {
          if (specifier.startsWith('@cairn/')) expect(specifier, `${relative(root, file)} imports ${specifier}`).toBe('@cairn/core');
          expect(specifier.includes('adapters/'), `${relative(root, file)} imports ${specifier}`).toBe(false);
        }
      }
    }
  });
});

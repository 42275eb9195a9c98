// The catalogues are complete and nothing in them is dead: every key is in both languages, every key
// is used by the console as `m.<key>`, and every `m.<key>` the console uses exists (decision 0009).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const web = fileURLToPath(new URL('../../..', import.meta.url));
const src = join(web, 'src');
const generated = join(src, 'lib', 'paraglide');

type Catalogue = Record<string, unknown>;

function catalogue(locale: string): Catalogue {
	const { $schema: _schema, ...messages } = JSON.parse(readFileSync(join(web, 'messages', `${locale}.json`), 'utf8')) as Catalogue;
	return messages;
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (path === generated) return [];
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.(svelte|ts|js)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
	});
}

/** The text of every variant of a message, for comparing the placeholders of both languages. */
function variants(message: unknown): string[] {
	if (typeof message === 'string') return [message];
	if (Array.isArray(message)) return message.flatMap((variant) => Object.values((variant as { match: Record<string, string> }).match));
	return [];
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

const en = catalogue('en');
const pt = catalogue('pt-BR');
const uses = new Map<string, string>();
for (const file of sourceFiles(src)) {
	for (const match of readFileSync(file, 'utf8').matchAll(/\bm\.([a-z][a-z0-9_]*)\b/g)) uses.set(match[1]!, relative(web, file));
}

describe('message catalogues', () => {
	it('have the same keys in pt-BR and en', () => {
		expect(Object.keys(en).filter((key) => !(key in pt)), 'missing from messages/pt-BR.json').toEqual([]);
		expect(Object.keys(pt).filter((key) => !(key in en)), 'missing from messages/en.json').toEqual([]);
	});

	it('name keys <area>_<thing> in snake_case', () => {
		expect(Object.keys(en).filter((key) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(key))).toEqual([]);
	});

	it('have text for every key, with the same placeholders in both languages', () => {
		const empty = Object.keys(en).filter((key) => [...variants(en[key]), ...variants(pt[key])].some((text) => !text.trim()));
		expect(empty, 'empty messages').toEqual([]);
		const different = Object.keys(en).filter(
			(key) => key in pt && JSON.stringify(placeholders(variants(en[key]).join(' '))) !== JSON.stringify(placeholders(variants(pt[key]).join(' ')))
		);
		expect(different, 'placeholders differ between en and pt-BR').toEqual([]);
	});

	it('hold no key the console does not use', () => {
		expect(Object.keys(en).filter((key) => !uses.has(key)), 'unused keys: remove them or use them as m.<key>').toEqual([]);
	});

	it('hold every key the console uses', () => {
		const missing = [...uses].filter(([key]) => !(key in en) || !(key in pt)).map(([key, file]) => `${key} (${file})`);
		expect(missing, 'keys used but missing from a catalogue').toEqual([]);
	});
});

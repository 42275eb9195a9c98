import { IntegrationCheckFindingSchema, type IntegrationCheckFinding } from '@rastro/contracts/integrations.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { checkReport } from './dinamize-check.ts';

const call = (fields: Partial<Extract<IntegrationCheckFinding, { kind: 'call' }>>): IntegrationCheckFinding =>
	IntegrationCheckFindingSchema.parse({
		kind: 'call',
		operation: 'auth',
		code: '480001',
		outcome: 'ok',
		detail: null,
		assumed: null,
		list: null,
		searched: null,
		...fields
	});

// What POST /integrations/test answers for: a good sign-in and search in "unknown codes" mode after
// the token was refused once, then the codes never seen.
const findings: IntegrationCheckFinding[] = [
	call({}),
	call({ operation: 'contact_search', code: '299901', outcome: 'unrecognised', detail: 'Token inválido', list: '7' }),
	call({}),
	call({ operation: 'contact_search', list: '7', searched: 'contact_found' }),
	{
		kind: 'not_observed',
		assumed: [
			{ name: 'rateLimited', code: '240024' },
			{ name: 'duplicateEmail', code: '409' }
		]
	}
];

describe('the integration check in words', () => {
	afterEach(() => overwriteGetLocale(() => 'en'));

	it('says in English which assumed answers were met and which not', () => {
		overwriteGetLocale(() => 'en');
		expect(checkReport(findings)).toEqual([
			'Sign-in answered 480001 (success) as expected.',
			'The search of one contact in list 7 answered code 299901 ("Token inválido"), a code we do not know; we signed in again and repeated the call once.',
			'Sign-in answered 480001 (success) as expected.',
			'The search of one contact in list 7 answered 480001 (success) as expected; it returned a contact.',
			'Not observed, so still assumed: the rate-limit (240024) and duplicate-e-mail (409) codes.'
		]);
		expect(
			checkReport([
				call({ code: '401', outcome: 'auth_failed', detail: 'Invalid', assumed: 'invalidToken' }),
				call({ code: '240004', outcome: 'auth_failed', detail: 'Username or password are invalid' }),
				call({ operation: 'contact_search', code: null, outcome: 'timeout', detail: 'no answer within 10000 ms', list: '7' }),
				call({ operation: 'contact_search', code: null, outcome: 'server_error', detail: null, list: '7' }),
				{ kind: 'no_list' }
			])
		).toEqual([
			'Sign-in answered code 401 ("Invalid"), which we assumed means token-expiry (assumed, now seen).',
			'Sign-in answered code 240004 ("Username or password are invalid"): Dinamize refused the credentials.',
			'The search of one contact in list 7 answered no Dinamize answer (no answer within 10000 ms) (no answer in time).',
			'The search of one contact in list 7 answered no Dinamize answer (server_error) (a server failure).',
			'No contact list is saved yet, so no search was tried.'
		]);
	});

	it('says it in Portuguese for a pt-BR reader, Dinamize’s own text kept as it came', () => {
		overwriteGetLocale(() => 'pt-BR');
		expect(checkReport(findings)).toEqual([
			'O login respondeu 480001 (sucesso), como esperado.',
			'A busca de um contato na lista 7 respondeu código 299901 ("Token inválido"), um código que não conhecemos; entramos de novo e repetimos a chamada uma vez.',
			'O login respondeu 480001 (sucesso), como esperado.',
			'A busca de um contato na lista 7 respondeu 480001 (sucesso), como esperado; veio um contato.',
			'Não vistos, portanto ainda supostos: os códigos de limite de chamadas (240024) e e-mail já presente na lista (409).'
		]);
		expect(
			checkReport([
				call({ operation: 'contact_search', list: '7', searched: 'list_empty' }),
				call({ code: '401', outcome: 'auth_failed', detail: 'Invalid', assumed: 'invalidToken' }),
				{ kind: 'no_list' },
				{ kind: 'not_observed', assumed: [{ name: 'invalidRequest', code: '400' }] }
			])
		).toEqual([
			'A busca de um contato na lista 7 respondeu 480001 (sucesso), como esperado; a lista está vazia.',
			'O login respondeu código 401 ("Invalid"), que supomos significar token expirado (suposto, agora visto).',
			'Nenhuma lista de contatos foi salva ainda, então nenhuma busca foi feita.',
			'Não visto, portanto ainda suposto: o código de requisição malformada (400).'
		]);
	});
});

import { describe, expect, it } from 'vitest';
import { readTenantClaims } from './tenant-claims.ts';

const token = (payload: object) =>
	['{"alg":"HS256","typ":"JWT"}', JSON.stringify(payload)]
		.map((part) => Buffer.from(part).toString('base64url'))
		.concat('signature')
		.join('.');

describe('readTenantClaims', () => {
	it('reads company_id and company_role', () => {
		const companyId = '9f1c1f5e-2f43-4e4b-9c55-1f7d3c1f0a11';
		expect(readTenantClaims(token({ sub: 'u', company_id: companyId, company_role: 'sales' }))).toEqual({
			companyId,
			companyRole: 'sales'
		});
	});

	it('reads a token without a company as no company', () => {
		expect(readTenantClaims(token({ sub: 'u', role: 'authenticated' }))).toEqual({ companyId: null, companyRole: null });
	});

	it('ignores a role the console does not know', () => {
		expect(readTenantClaims(token({ company_id: 'c', company_role: 'superuser' })).companyRole).toBeNull();
	});

	it('refuses something that is not a JWT', () => {
		expect(() => readTenantClaims('not-a-token')).toThrow('not a JWT');
	});
});

import { describe, expect, it } from 'vitest';
import {
	canOpenModule,
	canOpenPath,
	isAdminOnly,
	MODULES,
	moduleForPath,
	modulesFor,
	sectionsOf,
	type ModuleId
} from './navigation.ts';
import { MODULE_TEXT } from './module-text.ts';
import { COMPANY_ROLES, type CompanyRole } from './roles.ts';

const ids = (role: CompanyRole | null) => modulesFor(role).map((module) => module.id);
const ADMIN_ROLES: CompanyRole[] = ['owner', 'backoffice_admin', 'marketing_admin'];
const ADMIN_ONLY: ModuleId[] = ['integrations', 'remarketing', 'operations', 'settings'];

describe('modules of the console', () => {
	it('lists every module of the blueprint once, in navigation order', () => {
		expect(MODULES.map((module) => MODULE_TEXT[module.id].label({}, { locale: 'en' }))).toEqual([
			'Overview',
			'Leads',
			'Pipeline',
			'Web tracking',
			'Conversions',
			'WhatsApp',
			'Meta Ads',
			'E-mail',
			'Remarketing',
			'Integrations',
			'Operations',
			'Settings'
		]);
		expect(new Set(MODULES.map((module) => module.href)).size).toBe(MODULES.length);
	});

	it('describes what every module but the Overview will do', () => {
		for (const module of MODULES.filter((module) => module.id !== 'overview')) {
			expect(MODULE_TEXT[module.id].summary(), module.id).not.toBe('');
			expect(MODULE_TEXT[module.id].plans.length, module.id).toBeGreaterThan(0);
		}
	});
});

describe('modules by role', () => {
	it.each(ADMIN_ROLES)('%s sees every module', (role) => {
		expect(ids(role)).toEqual(MODULES.map((module) => module.id));
	});

	it('sales sees Overview, Leads, Pipeline, Conversions and WhatsApp', () => {
		expect(ids('sales')).toEqual(['overview', 'leads', 'pipeline', 'conversions', 'whatsapp']);
	});

	it('viewer sees the read-only modules', () => {
		expect(ids('viewer')).toEqual([
			'overview',
			'leads',
			'pipeline',
			'web-tracking',
			'conversions',
			'meta-ads',
			'email'
		]);
	});

	it('keeps admin-only modules to admins', () => {
		for (const role of COMPANY_ROLES) {
			for (const id of ADMIN_ONLY) {
				expect(canOpenModule(role, id), `${role} → ${id}`).toBe(ADMIN_ROLES.includes(role));
			}
		}
	});

	it('names exactly the admin-only modules as such (their refusal says "admins only")', () => {
		expect(new Set(MODULES.filter((module) => isAdminOnly(module.id)).map((module) => module.id))).toEqual(new Set(ADMIN_ONLY));
	});

	it('shows only the Overview to someone without a company', () => {
		expect(ids(null)).toEqual(['overview']);
	});

	it('gives every role the Overview', () => {
		for (const role of COMPANY_ROLES) expect(canOpenModule(role, 'overview')).toBe(true);
	});
});

describe('paths', () => {
	it('maps paths to their module, including nested pages', () => {
		expect(moduleForPath('/')?.id).toBe('overview');
		expect(moduleForPath('/leads')?.id).toBe('leads');
		expect(moduleForPath('/leads/42')?.id).toBe('leads');
		expect(moduleForPath('/meta-ads/accounts')?.id).toBe('meta-ads');
		expect(moduleForPath('/leadsx')).toBeUndefined();
		expect(moduleForPath('/switch-company')).toBeUndefined();
	});

	it('refuses module paths outside the role and allows paths outside every module', () => {
		expect(canOpenPath('sales', '/settings')).toBe(false);
		expect(canOpenPath('sales', '/leads/42')).toBe(true);
		expect(canOpenPath('viewer', '/whatsapp')).toBe(false);
		expect(canOpenPath('viewer', '/switch-company')).toBe(true);
	});
});

describe('navigation sections', () => {
	it('groups modules in order and drops empty groups', () => {
		expect(sectionsOf(modulesFor('owner')).map((section) => section.group)).toEqual([
			'Performance',
			'Channels',
			'Administration'
		]);
		expect(sectionsOf(modulesFor('sales')).map((section) => section.group)).toEqual(['Performance', 'Channels']);
	});
});

import { COMPANY_ROLES, isAdmin, type CompanyRole } from './roles.ts';

export type ModuleId =
	| 'overview'
	| 'leads'
	| 'pipeline'
	| 'web-tracking'
	| 'conversions'
	| 'whatsapp'
	| 'meta-ads'
	| 'email'
	| 'remarketing'
	| 'integrations'
	| 'operations'
	| 'settings';

export type ModuleGroup = 'Performance' | 'Channels' | 'Administration';

export interface ConsoleModule {
	id: ModuleId;
	href: string;
	group: ModuleGroup;
}

/** Every module of the console, in the order the navigation shows them. Their text: module-text.ts. */
export const MODULES: readonly ConsoleModule[] = [
	{ id: 'overview', href: '/', group: 'Performance' },
	{ id: 'leads', href: '/leads', group: 'Performance' },
	{ id: 'pipeline', href: '/pipeline', group: 'Performance' },
	{ id: 'web-tracking', href: '/web-tracking', group: 'Performance' },
	{ id: 'conversions', href: '/conversions', group: 'Performance' },
	{ id: 'whatsapp', href: '/whatsapp', group: 'Channels' },
	{ id: 'meta-ads', href: '/meta-ads', group: 'Channels' },
	{ id: 'email', href: '/email', group: 'Channels' },
	{ id: 'remarketing', href: '/remarketing', group: 'Channels' },
	{ id: 'integrations', href: '/integrations', group: 'Administration' },
	{ id: 'operations', href: '/operations', group: 'Administration' },
	{ id: 'settings', href: '/settings', group: 'Administration' }
];

const EVERY_MODULE = MODULES.map((module) => module.id);

/**
 * Which modules each role sees. Integrations, Remarketing, Operations and Settings are for admins;
 * viewers see Meta Ads results, while connecting accounts inside it stays an admin action.
 */
const MODULES_BY_ROLE: Record<CompanyRole, readonly ModuleId[]> = {
	owner: EVERY_MODULE,
	backoffice_admin: EVERY_MODULE,
	marketing_admin: EVERY_MODULE,
	sales: ['overview', 'leads', 'pipeline', 'whatsapp', 'conversions'],
	viewer: ['overview', 'leads', 'pipeline', 'web-tracking', 'conversions', 'email', 'meta-ads']
};

/** Someone without a company (or whose membership was removed) only sees the Overview. */
const WITHOUT_COMPANY: readonly ModuleId[] = ['overview'];

export function moduleById(id: ModuleId): ConsoleModule {
	const found = MODULES.find((module) => module.id === id);
	if (!found) throw new Error(`unknown module ${id}`);
	return found;
}

export function canOpenModule(role: CompanyRole | null, id: ModuleId): boolean {
	return (role ? MODULES_BY_ROLE[role] : WITHOUT_COMPANY).includes(id);
}

/** Whether only the admin roles (owner, back-office admin, marketing admin) open a module. */
export function isAdminOnly(id: ModuleId): boolean {
	return COMPANY_ROLES.every((role) => canOpenModule(role, id) === isAdmin(role));
}

/** The modules a role sees, in navigation order. */
export function modulesFor(role: CompanyRole | null): ConsoleModule[] {
	return MODULES.filter((module) => canOpenModule(role, module.id));
}

/** The module a path belongs to (`/leads/42` → Leads); `/` is the Overview. */
export function moduleForPath(pathname: string): ConsoleModule | undefined {
	if (pathname === '/') return moduleById('overview');
	return MODULES.find(
		(module) => module.href !== '/' && (pathname === module.href || pathname.startsWith(`${module.href}/`))
	);
}

/** Whether a role may open a path; paths outside every module (e.g. /switch-company) are open to members. */
export function canOpenPath(role: CompanyRole | null, pathname: string): boolean {
	const module = moduleForPath(pathname);
	return module ? canOpenModule(role, module.id) : true;
}

export interface ModuleSection {
	group: ModuleGroup;
	modules: ConsoleModule[];
}

/** Modules split into their navigation groups, keeping order and leaving out empty groups. */
export function sectionsOf(modules: readonly ConsoleModule[]): ModuleSection[] {
	const sections: ModuleSection[] = [];
	for (const module of modules) {
		const last = sections.at(-1);
		if (last?.group === module.group) last.modules.push(module);
		else sections.push({ group: module.group, modules: [module] });
	}
	return sections;
}

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
	label: string;
	href: string;
	group: ModuleGroup;
	/** One sentence: what the module is for. */
	summary: string;
	/** What the module will let people do, shown while it is being built. */
	plans: readonly string[];
}

/** Every module of the console, in the order the navigation shows them. */
export const MODULES: readonly ConsoleModule[] = [
	{
		id: 'overview',
		label: 'Overview',
		href: '/',
		group: 'Performance',
		summary: 'Your company and the companies you belong to.',
		plans: []
	},
	{
		id: 'leads',
		label: 'Leads',
		href: '/leads',
		group: 'Performance',
		summary: 'Every lead your company captured, wherever it came from.',
		plans: [
			'List and search leads from forms, WhatsApp, e-mail, CSV imports and Dinamize, with filters and exact counts',
			'Open a lead to see its first and last touch, its journey and its stage history',
			'Import CSV files with a progress bar and a downloadable error report',
			'Keep leads in sync with Dinamize in both directions'
		]
	},
	{
		id: 'pipeline',
		label: 'Pipeline',
		href: '/pipeline',
		group: 'Performance',
		summary: 'Opportunities and the stages they move through.',
		plans: [
			'Follow opportunities from new to qualified, proposal, negotiation, won or lost',
			'Record deal values and probabilities, and who moved each stage and why',
			'Register conversions automatically when a lead is qualified or won'
		]
	},
	{
		id: 'web-tracking',
		label: 'Web tracking',
		href: '/web-tracking',
		group: 'Performance',
		summary: 'Visits to your sites, and the campaigns that brought them.',
		plans: [
			'Register your domains and copy the tracking snippet with its site key',
			'See sessions, UTM touches, page views and events per campaign',
			'Follow each visitor journey from the first touch to the conversion'
		]
	},
	{
		id: 'conversions',
		label: 'Conversions',
		href: '/conversions',
		group: 'Performance',
		summary: 'Business conversions and their delivery to ad platforms.',
		plans: [
			'List every conversion with its value and the click ids that attribute it',
			'See each delivery to Meta, Google Ads, TikTok and LinkedIn: sent, pending, failed or skipped and why',
			'Inspect every attempt sent to a platform, with secrets redacted'
		]
	},
	{
		id: 'whatsapp',
		label: 'WhatsApp',
		href: '/whatsapp',
		group: 'Channels',
		summary: 'Conversations that started from Click-to-WhatsApp ads.',
		plans: [
			'See each conversation as a ticket, with the ad, ad set and campaign that started it',
			'Move tickets to qualified or won and send the matching events to Meta',
			'Follow attribution changes when a contact comes back through another ad'
		]
	},
	{
		id: 'meta-ads',
		label: 'Meta Ads',
		href: '/meta-ads',
		group: 'Channels',
		summary: 'Spend and return of your Meta campaigns.',
		plans: [
			'Compare spend with attributed revenue per campaign, ad set and ad',
			'Connect Facebook profiles and choose which ad accounts and pixels to track (admins only)',
			'Sync spend, impressions and clicks every day'
		]
	},
	{
		id: 'email',
		label: 'E-mail',
		href: '/email',
		group: 'Channels',
		summary: 'E-mail campaigns, their audiences and their results.',
		plans: [
			'Build audiences and generate messages for a campaign',
			'Follow deliveries, opens, clicks, bounces, complaints and unsubscribes',
			'Rank calls to action and see the leads each campaign brought'
		]
	},
	{
		id: 'remarketing',
		label: 'Remarketing',
		href: '/remarketing',
		group: 'Channels',
		summary: 'Audiences for remarketing, built from your own data.',
		plans: [
			'Define segments by lead stage, campaign, e-mail engagement and date range',
			'Upload them as hashed Custom Audiences to Meta and follow each job'
		]
	},
	{
		id: 'integrations',
		label: 'Integrations',
		href: '/integrations',
		group: 'Administration',
		summary: 'Connections to your CRM and ad platforms.',
		plans: [
			'Store Dinamize and ad platform credentials, encrypted',
			'See the last successful sync and the log of every sync per integration'
		]
	},
	{
		id: 'operations',
		label: 'Operations',
		href: '/operations',
		group: 'Administration',
		summary: 'The health of queues, workers and syncs.',
		plans: [
			'Watch queue depth, the age of the oldest message and dead letters',
			'Review worker runs and failing integrations'
		]
	},
	{
		id: 'settings',
		label: 'Settings',
		href: '/settings',
		group: 'Administration',
		summary: 'Your company, its members and its rules.',
		plans: [
			'Rename the company and manage members and their roles',
			'Set attribution windows and how long WhatsApp tickets stay open'
		]
	}
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

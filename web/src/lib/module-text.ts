// What the navigation and the module pages say about each module, in the active language.
import { m } from '#lib/paraglide/messages.js';
import type { Locale } from '#lib/paraglide/runtime.js';
import type { ModuleGroup, ModuleId } from './navigation.ts';

/** A message without inputs; tests may ask it for a locale. */
type Text = (inputs?: Record<string, never>, options?: { locale?: Locale }) => string;

export interface ModuleText {
	label: Text;
	/** One sentence: what the module is for. */
	summary: Text;
	/** What the module will let people do, shown while it is being built. */
	plans: readonly Text[];
}

export const MODULE_TEXT: Record<ModuleId, ModuleText> = {
	overview: { label: m.nav_overview, summary: m.module_overview_summary, plans: [] },
	leads: {
		label: m.nav_leads,
		summary: m.module_leads_summary,
		plans: [m.module_leads_plan_1, m.module_leads_plan_2, m.module_leads_plan_3, m.module_leads_plan_4]
	},
	pipeline: {
		label: m.nav_pipeline,
		summary: m.module_pipeline_summary,
		plans: [m.module_pipeline_plan_1, m.module_pipeline_plan_2, m.module_pipeline_plan_3]
	},
	'web-tracking': {
		label: m.nav_web_tracking,
		summary: m.module_web_tracking_summary,
		plans: [m.module_web_tracking_plan_1, m.module_web_tracking_plan_2, m.module_web_tracking_plan_3]
	},
	conversions: {
		label: m.nav_conversions,
		summary: m.module_conversions_summary,
		plans: [m.module_conversions_plan_1, m.module_conversions_plan_2, m.module_conversions_plan_3]
	},
	whatsapp: {
		label: m.nav_whatsapp,
		summary: m.module_whatsapp_summary,
		plans: [m.module_whatsapp_plan_1, m.module_whatsapp_plan_2, m.module_whatsapp_plan_3]
	},
	'meta-ads': {
		label: m.nav_meta_ads,
		summary: m.module_meta_ads_summary,
		plans: [m.module_meta_ads_plan_1, m.module_meta_ads_plan_2, m.module_meta_ads_plan_3]
	},
	email: {
		label: m.nav_email,
		summary: m.module_email_summary,
		plans: [m.module_email_plan_1, m.module_email_plan_2, m.module_email_plan_3]
	},
	remarketing: {
		label: m.nav_remarketing,
		summary: m.module_remarketing_summary,
		plans: [m.module_remarketing_plan_1, m.module_remarketing_plan_2]
	},
	integrations: {
		label: m.nav_integrations,
		summary: m.module_integrations_summary,
		plans: [m.module_integrations_plan_1, m.module_integrations_plan_2]
	},
	operations: {
		label: m.nav_operations,
		summary: m.module_operations_summary,
		plans: [m.module_operations_plan_1, m.module_operations_plan_2]
	},
	settings: {
		label: m.nav_settings,
		summary: m.module_settings_summary,
		plans: [m.module_settings_plan_1, m.module_settings_plan_2]
	}
};

export const GROUP_LABELS: Record<ModuleGroup, Text> = {
	Performance: m.nav_group_performance,
	Channels: m.nav_group_channels,
	Administration: m.nav_group_administration
};

export function moduleLabel(id: ModuleId): string {
	return MODULE_TEXT[id].label();
}

export function moduleSummary(id: ModuleId): string {
	return MODULE_TEXT[id].summary();
}

export function modulePlans(id: ModuleId): string[] {
	return MODULE_TEXT[id].plans.map((plan) => plan());
}

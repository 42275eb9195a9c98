import { error } from '@sveltejs/kit';
import { canOpenModule, isAdminOnly, moduleById, type ConsoleModule, type ModuleId } from '../navigation.ts';
import type { CompanyRole } from '../roles.ts';
import { moduleLabel } from '../module-text.ts';
import { m } from '../paraglide/messages.js';

interface ConsoleLoadEvent {
	parent: () => Promise<{ role: CompanyRole | null }>;
}

/**
 * Refuses roles a module is not for (the navigation hides it, but a typed URL must not open it
 * either) and hands back the module and the caller's role. RLS still decides which rows anyone reads.
 */
export async function openModule(
	{ parent }: ConsoleLoadEvent,
	id: ModuleId
): Promise<{ module: ConsoleModule; role: CompanyRole | null }> {
	const { role } = await parent();
	const module = moduleById(id);
	if (!canOpenModule(role, id)) {
		error(
			403,
			isAdminOnly(id)
				? m.error_module_admin_only({ module: moduleLabel(id) })
				: m.error_module_not_for_role({ module: moduleLabel(id) })
		);
	}
	return { module, role };
}

/** The `load` of a module page that needs nothing else. */
export function requireModule(id: ModuleId) {
	return async (event: ConsoleLoadEvent) => {
		const { module } = await openModule(event, id);
		return { module };
	};
}

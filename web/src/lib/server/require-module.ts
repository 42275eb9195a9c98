import { error } from '@sveltejs/kit';
import { canOpenModule, moduleById, type ModuleId } from '../navigation.ts';
import type { CompanyRole } from '../roles.ts';

interface ConsoleLoadEvent {
	parent: () => Promise<{ role: CompanyRole | null }>;
}

/**
 * The `load` of a module page: refuses roles the module is not for (the navigation hides it, but
 * a typed URL must not open it either). RLS still decides which rows anyone can read.
 */
export function requireModule(id: ModuleId) {
	return async ({ parent }: ConsoleLoadEvent) => {
		const { role } = await parent();
		const module = moduleById(id);
		if (!canOpenModule(role, id)) {
			error(403, `Your role in this company does not include ${module.label}.`);
		}
		return { module };
	};
}

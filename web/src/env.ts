import { building } from '$app/env';
import { defineEnvVars } from '@sveltejs/kit/env';

/**
 * Read when the server starts, not inlined at build time, so one build serves any project.
 * The build analyses the app without them, hence no check while `building`.
 */
export const variables = defineEnvVars({
	PUBLIC_SUPABASE_URL: {
		public: true,
		description: 'Base URL of the Supabase project (or the local stack gateway), e.g. http://127.0.0.1:54321.',
		schema: (value) => {
			if (building) return value ?? '';
			if (!value || !URL.canParse(value)) {
				throw new Error('PUBLIC_SUPABASE_URL must be set to the Supabase project URL');
			}
			return value;
		}
	},
	PUBLIC_SUPABASE_ANON_KEY: {
		public: true,
		description: "The project's anon (publishable) key. Every query runs with the signed-in user's JWT under RLS.",
		schema: (value) => {
			if (building) return value ?? '';
			if (!value) throw new Error('PUBLIC_SUPABASE_ANON_KEY must be set to the anon key');
			return value;
		}
	}
});

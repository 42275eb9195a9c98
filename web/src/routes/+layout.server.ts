import type { LayoutServerLoad } from './$types';

/** The request's language, time zone and currency, so the browser formats as the server did. */
export const load: LayoutServerLoad = ({ locals }) => ({ formatting: locals.formatting });

// The console's side of a CSV import: the browser posts the file here as the raw request body (it
// holds no access token: the auth cookies are http-only), and this endpoint streams it on, unbuffered,
// to the leads-import edge function with the signed-in user's token. The function's answer (202 with
// the import id, or its error) goes back as it is. See web/README.md, "CSV import".
import { error, json } from '@sveltejs/kit';
import { leadImportMaxBytes } from '@rastro/contracts/lead-imports.ts';
import { callFunction } from '#lib/server/edge-functions.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request, url, locals }) => {
	// SvelteKit's CSRF check covers form posts only; this one carries text/csv, so check the origin here.
	if (request.headers.get('origin') !== url.origin) error(403, 'Uploads are only accepted from the console itself.');

	const { session } = await locals.safeGetSession();
	if (!session) error(401, 'Sign in to import leads.');

	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > leadImportMaxBytes) {
		return json(
			{ error: { code: 'file_too_large', message: `Files up to ${leadImportMaxBytes} bytes can be imported` } },
			{ status: 413 }
		);
	}
	if (!request.body) {
		return json({ error: { code: 'missing_header', message: 'The file is empty' } }, { status: 422 });
	}

	const query: Record<string, string> = {};
	for (const name of ['file_name', 'mapping', 'encoding']) {
		const value = url.searchParams.get(name);
		if (value !== null) query[name] = value;
	}
	const headers: Record<string, string> = { 'content-type': request.headers.get('content-type') ?? 'text/csv' };
	if (Number.isFinite(declared)) headers['content-length'] = String(declared);

	const result = await callFunction(session.access_token, {
		path: 'leads-import',
		method: 'POST',
		query,
		stream: request.body,
		headers,
		signal: request.signal
	});
	if (result.ok) return json(result.body, { status: result.status });
	return json(
		{ error: { code: result.code, message: result.message, ...(result.details === undefined ? {} : { details: result.details }) } },
		{ status: result.status }
	);
};

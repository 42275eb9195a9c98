// Calls to the project's edge functions from the console server, with the signed-in user's access
// token: the functions check the same tenant claims RLS does. The browser never calls them directly
// (it holds no token: the auth cookies are http-only) and no service key exists in this app.
import { PUBLIC_SUPABASE_ANON_KEY, PUBLIC_SUPABASE_URL } from '$app/env/public';
import { ApiErrorSchema } from '@rastro/contracts/errors.ts';

export interface FunctionCall {
	/** Path under /functions/v1/, e.g. "integrations/test". */
	path: string;
	method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
	query?: Record<string, string>;
	/** A JSON body, or a stream passed through as is (with its content type in headers). */
	json?: unknown;
	stream?: ReadableStream<Uint8Array>;
	headers?: Record<string, string>;
	signal?: AbortSignal;
}

export type FunctionResult =
	| { ok: true; status: number; body: unknown }
	| { ok: false; status: number; code: string; message: string; details?: unknown };

export function functionUrl(path: string, query: Record<string, string> = {}): string {
	const url = new URL(`functions/v1/${path}`, PUBLIC_SUPABASE_URL.endsWith('/') ? PUBLIC_SUPABASE_URL : `${PUBLIC_SUPABASE_URL}/`);
	for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
	return url.toString();
}

export async function callFunction(accessToken: string, call: FunctionCall): Promise<FunctionResult> {
	const headers: Record<string, string> = {
		apikey: PUBLIC_SUPABASE_ANON_KEY,
		authorization: `Bearer ${accessToken}`,
		...call.headers
	};
	let body: BodyInit | undefined;
	if (call.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = JSON.stringify(call.json);
	} else if (call.stream) {
		body = call.stream;
	}

	let response: Response;
	try {
		response = await fetch(functionUrl(call.path, call.query), {
			method: call.method ?? (body ? 'POST' : 'GET'),
			headers,
			body,
			signal: call.signal,
			// Streams the request body instead of buffering it (Node's fetch requires saying so).
			...(call.stream ? { duplex: 'half' } : {})
		} as RequestInit);
	} catch (cause) {
		console.error(`edge function ${call.path} unreachable`, cause);
		return { ok: false, status: 503, code: 'function_unreachable', message: 'The service did not answer. Try again in a moment.' };
	}

	const text = await response.text();
	let parsed: unknown = null;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		parsed = null;
	}
	if (response.ok) return { ok: true, status: response.status, body: parsed };

	const apiError = ApiErrorSchema.safeParse(parsed);
	if (apiError.success) {
		const { code, message, details } = apiError.data.error;
		return { ok: false, status: response.status, code, message, details };
	}
	console.error(`edge function ${call.path} answered ${response.status}`, text.slice(0, 500));
	return {
		ok: false,
		status: response.status,
		code: 'unexpected_answer',
		message: `The service answered ${response.status}. Try again in a moment.`
	};
}

// Waiting on a condition in end-to-end tests: poll until `check` gives a value, never a fixed delay
// (a loaded 2-CPU runner makes any fixed delay wrong sooner or later).

/** Polls `check` until it returns something other than undefined; throws after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

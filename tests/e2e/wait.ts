// Waiting on a condition instead of a clock: e2e suites poll the database or an API until what they
// expect is there, and fail with what they were waiting for when it never comes.
export async function eventually<T>(
	what: string,
	check: () => Promise<T | undefined>,
	{ timeoutMs = 20_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {}
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

// The leads list's state lives in the URL (links, reloads and the back button all work): this module
// turns query parameters into validated filters and back. Anything invalid in a hand-edited URL is
// dropped rather than sent on to PostgREST.
import { leadOrigins, leadStatuses, type LeadOrigin, type LeadStatus } from '@rastro/contracts/leads.ts';
import { companyDayStart } from '#lib/format.ts';

export const LEAD_SORT_COLUMNS = ['created_at', 'updated_at', 'name', 'email', 'status', 'value', 'score'] as const;
export type LeadSortColumn = (typeof LEAD_SORT_COLUMNS)[number];

export interface LeadSort {
	column: LeadSortColumn;
	descending: boolean;
}

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;
export const DEFAULT_SORT: LeadSort = { column: 'created_at', descending: true };
/** Owner filter value meaning "leads nobody owns". */
export const UNASSIGNED = 'none';
const MAX_SEARCH_LENGTH = 200;

export interface LeadFilters {
	/** Text searched in name and e-mail; '' for none. */
	q: string;
	statuses: LeadStatus[];
	stageId: string | null;
	origin: LeadOrigin | null;
	/** A member's user id, UNASSIGNED, or null for anyone. */
	owner: string | null;
	/** Inclusive company days (in the company's time zone), YYYY-MM-DD. */
	createdFrom: string | null;
	createdTo: string | null;
	sort: LeadSort;
	/** 1-based. */
	page: number;
	pageSize: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value);
}

function isDay(value: string | null): value is string {
	if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
	const date = new Date(`${value}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | null {
	return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function positiveInt(value: string | null): number | null {
	if (!value || !/^\d{1,6}$/.test(value)) return null;
	const parsed = Number(value);
	return parsed >= 1 ? parsed : null;
}

export function parseSort(value: string | null): LeadSort {
	if (!value) return DEFAULT_SORT;
	const descending = value.startsWith('-');
	const column = oneOf(LEAD_SORT_COLUMNS, descending ? value.slice(1) : value);
	return column ? { column, descending } : DEFAULT_SORT;
}

export function sortParam(sort: LeadSort): string {
	return `${sort.descending ? '-' : ''}${sort.column}`;
}

export function parseLeadFilters(params: URLSearchParams): LeadFilters {
	const statuses = [...new Set(params.getAll('status'))].filter((s): s is LeadStatus =>
		(leadStatuses as readonly string[]).includes(s)
	);
	const owner = params.get('owner');
	const size = positiveInt(params.get('size'));
	return {
		q: (params.get('q') ?? '').trim().slice(0, MAX_SEARCH_LENGTH),
		statuses,
		stageId: isUuid(params.get('stage')) ? params.get('stage') : null,
		origin: oneOf(leadOrigins, params.get('origin')),
		owner: owner === UNASSIGNED || isUuid(owner) ? owner : null,
		createdFrom: isDay(params.get('from')) ? params.get('from') : null,
		createdTo: isDay(params.get('to')) ? params.get('to') : null,
		sort: parseSort(params.get('sort')),
		page: positiveInt(params.get('page')) ?? 1,
		pageSize: size !== null && (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE
	};
}

/** The query string (with `?`, or '' when everything is default) for filters with some changes applied. */
export function leadFiltersQuery(filters: LeadFilters, changes: Partial<LeadFilters> = {}): string {
	const next = { ...filters, ...changes };
	const params = new URLSearchParams();
	if (next.q) params.set('q', next.q);
	for (const status of next.statuses) params.append('status', status);
	if (next.stageId) params.set('stage', next.stageId);
	if (next.origin) params.set('origin', next.origin);
	if (next.owner) params.set('owner', next.owner);
	if (next.createdFrom) params.set('from', next.createdFrom);
	if (next.createdTo) params.set('to', next.createdTo);
	if (sortParam(next.sort) !== sortParam(DEFAULT_SORT)) params.set('sort', sortParam(next.sort));
	if (next.pageSize !== DEFAULT_PAGE_SIZE) params.set('size', String(next.pageSize));
	if (next.page > 1) params.set('page', String(next.page));
	const query = params.toString();
	return query ? `?${query}` : '';
}

/** Whether anything narrows the list (sorting and paging do not). */
export function hasActiveFilters(filters: LeadFilters): boolean {
	return Boolean(
		filters.q ||
			filters.statuses.length ||
			filters.stageId ||
			filters.origin ||
			filters.owner ||
			filters.createdFrom ||
			filters.createdTo
	);
}

/** Clicking a column header: the same column flips direction; another starts at its natural one. */
export function nextSort(current: LeadSort, column: LeadSortColumn): LeadSort {
	if (current.column === column) return { column, descending: !current.descending };
	const newestFirst = column === 'created_at' || column === 'updated_at' || column === 'value' || column === 'score';
	return { column, descending: newestFirst };
}

/**
 * created_at bounds for the day range: from the first day's midnight to the midnight after the last,
 * both in the company's time zone (the days core.company_day() groups by).
 */
export function createdBounds(
	filters: Pick<LeadFilters, 'createdFrom' | 'createdTo'>,
	settings?: { timeZone: string }
): { gte?: string; lt?: string } {
	const bounds: { gte?: string; lt?: string } = {};
	if (filters.createdFrom) bounds.gte = companyDayStart(filters.createdFrom, settings);
	if (filters.createdTo) {
		const next = new Date(`${filters.createdTo}T00:00:00.000Z`);
		next.setUTCDate(next.getUTCDate() + 1);
		bounds.lt = companyDayStart(next.toISOString().slice(0, 10), settings);
	}
	return bounds;
}

/** Rows [from, to] (inclusive, 0-based) of a page, as supabase-js `.range()` takes them. */
export function pageRange(page: number, pageSize: number): [number, number] {
	const from = (page - 1) * pageSize;
	return [from, from + pageSize - 1];
}

export function pageCount(total: number, pageSize: number): number {
	return Math.max(1, Math.ceil(total / pageSize));
}

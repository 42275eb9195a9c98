import { describe, expect, it } from 'vitest';
import {
	createdBounds,
	DEFAULT_SORT,
	hasActiveFilters,
	leadFiltersQuery,
	nextSort,
	pageCount,
	pageRange,
	parseLeadFilters
} from './filters.ts';

const STAGE = '6170ae78-1ae3-4c63-8df4-cd6e59be01a0';
const OWNER = 'f913fefe-2c0b-4ada-a93e-8beba99b6547';
const parse = (query: string) => parseLeadFilters(new URLSearchParams(query));

describe('lead filters from the URL', () => {
	it('reads every filter, the sort and the page', () => {
		expect(
			parse(`q=+ana+&status=new&status=lost&stage=${STAGE}&origin=csv&owner=${OWNER}&from=2026-11-01&to=2026-11-30&sort=-value&page=3&size=50`)
		).toEqual({
			q: 'ana',
			statuses: ['new', 'lost'],
			stageId: STAGE,
			origin: 'csv',
			owner: OWNER,
			createdFrom: '2026-11-01',
			createdTo: '2026-11-30',
			sort: { column: 'value', descending: true },
			page: 3,
			pageSize: 50
		});
	});

	it('falls back to defaults for an empty query', () => {
		expect(parse('')).toEqual({
			q: '',
			statuses: [],
			stageId: null,
			origin: null,
			owner: null,
			createdFrom: null,
			createdTo: null,
			sort: DEFAULT_SORT,
			page: 1,
			pageSize: 25
		});
	});

	it('drops values a hand-edited URL could carry', () => {
		const filters = parse(
			'status=archived&status=new&status=new&stage=1;drop&origin=fax&owner=someone&from=2026-02-30&to=yesterday&sort=password&page=0&size=1000'
		);
		expect(filters.statuses).toEqual(['new']);
		expect(filters.stageId).toBeNull();
		expect(filters.origin).toBeNull();
		expect(filters.owner).toBeNull();
		expect(filters.createdFrom).toBeNull();
		expect(filters.createdTo).toBeNull();
		expect(filters.sort).toEqual(DEFAULT_SORT);
		expect(filters.page).toBe(1);
		expect(filters.pageSize).toBe(25);
	});

	it('accepts "none" as the unassigned owner', () => {
		expect(parse('owner=none').owner).toBe('none');
	});

	it('caps the search text', () => {
		expect(parse(`q=${'a'.repeat(500)}`).q).toHaveLength(200);
	});
});

describe('lead filters back to the URL', () => {
	it('round-trips', () => {
		const query = `?q=ana+maria&status=new&status=contacted&stage=${STAGE}&origin=manual&owner=none&from=2026-11-01&to=2026-11-02&sort=name&size=100&page=2`;
		expect(leadFiltersQuery(parse(query))).toBe(query);
	});

	it('leaves defaults out, so the plain list is just /leads', () => {
		expect(leadFiltersQuery(parse('sort=-created_at&page=1&size=25'))).toBe('');
	});

	it('applies changes, e.g. the next page or another sort', () => {
		const filters = parse('status=new&page=2');
		expect(leadFiltersQuery(filters, { page: 3 })).toBe('?status=new&page=3');
		expect(leadFiltersQuery(filters, { sort: { column: 'name', descending: false }, page: 1 })).toBe('?status=new&sort=name');
	});

	it('tells filters from sorting and paging', () => {
		expect(hasActiveFilters(parse('sort=name&page=4'))).toBe(false);
		expect(hasActiveFilters(parse('q=x'))).toBe(true);
		expect(hasActiveFilters(parse('to=2026-01-01'))).toBe(true);
	});
});

describe('sorting by a column header', () => {
	it('flips the direction of the current column', () => {
		expect(nextSort({ column: 'name', descending: false }, 'name')).toEqual({ column: 'name', descending: true });
	});

	it('starts text columns A→Z and dates and amounts newest or largest first', () => {
		expect(nextSort(DEFAULT_SORT, 'email')).toEqual({ column: 'email', descending: false });
		expect(nextSort(DEFAULT_SORT, 'value')).toEqual({ column: 'value', descending: true });
	});
});

describe('PostgREST operands', () => {
	it('turns a day range into half-open bounds in the company time zone', () => {
		const saoPaulo = { timeZone: 'America/Sao_Paulo' };
		expect(createdBounds({ createdFrom: '2026-11-01', createdTo: '2026-11-30' }, saoPaulo)).toEqual({
			gte: '2026-11-01T03:00:00.000Z',
			lt: '2026-12-01T03:00:00.000Z'
		});
		// New York changes to standard time on 1 November 2026: the day has 25 hours.
		expect(createdBounds({ createdFrom: '2026-11-01', createdTo: '2026-11-01' }, { timeZone: 'America/New_York' })).toEqual({
			gte: '2026-11-01T04:00:00.000Z',
			lt: '2026-11-02T05:00:00.000Z'
		});
		const utc = { timeZone: 'UTC' };
		expect(createdBounds({ createdFrom: '2026-11-01', createdTo: '2026-11-30' }, utc)).toEqual({
			gte: '2026-11-01T00:00:00.000Z',
			lt: '2026-12-01T00:00:00.000Z'
		});
		expect(createdBounds({ createdFrom: null, createdTo: '2026-12-31' }, utc)).toEqual({ lt: '2027-01-01T00:00:00.000Z' });
	});

	it('pages with inclusive ranges and at least one page', () => {
		expect(pageRange(1, 25)).toEqual([0, 24]);
		expect(pageRange(3, 50)).toEqual([100, 149]);
		expect(pageCount(0, 25)).toBe(1);
		expect(pageCount(51, 25)).toBe(3);
	});
});

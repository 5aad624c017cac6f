import type { SearchRequest } from './search';
import type { Bundle, Resource } from './resources';

/**
 * A search's answer (FHIR R4 3.1.1.2): a searchset Bundle with the total, the page's matches with
 * their full URLs, and links to this page and the ones beside it (3.1.1.2.2 paging).
 */
export function searchBundle<T extends Resource>(base: string, resourceType: string, request: SearchRequest, matches: readonly T[], total: number): Bundle<T> {
  const { offset, count } = request.page;
  const link = (at: number): string => {
    const query = new URLSearchParams([...request.params.map(([k, v]) => [k, v] as [string, string]), ['_count', String(count)], ['_offset', String(at)]]);
    return `${base}/${resourceType}?${query.toString()}`;
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: [
      { relation: 'self', url: link(offset) },
      ...(offset > 0 && count > 0 ? [{ relation: 'previous', url: link(Math.max(0, offset - count)) }] : []),
      ...(count > 0 && offset + count < total ? [{ relation: 'next', url: link(offset + count) }] : []),
    ],
    ...(matches.length > 0 ? { entry: matches.map((resource) => ({ fullUrl: `${base}/${resourceType}/${resource.id as string}`, resource, search: { mode: 'match' as const } })) } : {}),
  };
}

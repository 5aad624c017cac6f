import type { DicomJsonDataset } from '@tessera/dicom';
import type { WorklistStore } from '@tessera/worklist';
import { readMwlQuery, type MwlQuery } from './mwl-query';

const PAGE = 500;

/**
 * C-FIND on the Modality Worklist information model (PS3.4 K.4.1.3, K.6.1.2): reads the identifier,
 * narrows the tenant's items in the store by their indexed attributes, matches the whole identifier
 * on each, and yields one response identifier per match, page by page, until the items end or the
 * request is cancelled.
 */
export class MwlFindUseCase {
  constructor(private readonly store: WorklistStore) {}

  /** Reads an identifier; throws MwlIdentifierError with what is wrong. */
  prepare(identifier: DicomJsonDataset): MwlQuery {
    return readMwlQuery(identifier);
  }

  /** The response identifiers (without Specific Character Set), in schedule order, until `cancelled`. */
  async *matches(tenant: string, query: MwlQuery, cancelled: AbortSignal): AsyncGenerator<DicomJsonDataset> {
    for (let offset = 0; !cancelled.aborted; offset += PAGE) {
      const page = await this.store.search(tenant, { ...query.filter, limit: PAGE, offset });
      for (const item of page) {
        if (cancelled.aborted) return;
        if (query.matches(item.attributes)) yield query.response(item.attributes);
      }
      if (page.length < PAGE) return;
    }
  }
}

import type { RenderErrorCode } from '@tessera/rendering';

/** The HTTP status of each rendering failure (PS3.18 8.1.2.1, 8.7.4). */
export function renderErrorStatus(code: RenderErrorCode): 400 | 406 {
  switch (code) {
    case 'bad-parameter':
      return 400;
    case 'not-acceptable':
    case 'not-renderable':
      return 406;
  }
}

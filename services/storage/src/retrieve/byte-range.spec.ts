import { parseByteRange } from './byte-range';

describe('parseByteRange (RFC 9110 14.1.2)', () => {
  it('honours one range, clipped to the representation, in each of its three forms', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseByteRange('bytes=-500', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseByteRange('bytes=50-500', 100)).toEqual({ kind: 'range', start: 50, end: 99 });
  });

  it('reads positions past 2^31 and 2^32 of a multi-GB bulk data value exactly', () => {
    const size = 5 * 2 ** 30;
    expect(parseByteRange('bytes=2147483648-4294967296', size)).toEqual({ kind: 'range', start: 2 ** 31, end: 2 ** 32 });
    expect(parseByteRange('bytes=-1', size)).toEqual({ kind: 'range', start: size - 1, end: size - 1 });
    expect(parseByteRange('bytes=5368709120-', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it('finds a range outside the representation unsatisfiable', () => {
    expect(parseByteRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not honour: no header, other units, invalid ranges, several ranges', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=0-1,5-6', ['bytes=0-1', 'bytes=2-3']]) {
      expect(parseByteRange(header, 100)).toEqual({ kind: 'none' });
    }
  });
});

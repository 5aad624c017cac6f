import { isValidUid } from '@tessera/dicom';
import { hmacUid, HmacUidMapper } from './hmac-uid-mapper.adapter';
import { MemoryUidMapper } from './memory-uid-mapper.adapter';

const SECRET = 'project-secret-of-32-characters!';

describe('UID mappers', () => {
  it('hmacUid gives a valid 2.25 UID of a version 8 UUID, the same for the same secret and UID', () => {
    const uid = hmacUid(SECRET, '1.2.3.4');
    expect(isValidUid(uid)).toBe(true);
    expect(uid.startsWith('2.25.')).toBe(true);
    const hex = BigInt(uid.slice(5)).toString(16).padStart(32, '0');
    expect(hex[12]).toBe('8');
    expect(['8', '9', 'a', 'b']).toContain(hex[16]);
    expect(hmacUid(SECRET, '1.2.3.4')).toBe(uid);
    expect(hmacUid(SECRET, '1.2.3.5')).not.toBe(uid);
    expect(hmacUid(`${SECRET}x`, '1.2.3.4')).not.toBe(uid);
  });

  it('HmacUidMapper maps alike in separate instances (separate files, separate runs of a project)', async () => {
    const a = await new HmacUidMapper(SECRET).mapUids(['1.2.3', '1.2.4']);
    const b = await new HmacUidMapper(SECRET).mapUids(['1.2.4']);
    expect(a.get('1.2.4')).toBe(b.get('1.2.4'));
    expect(a.get('1.2.3')).not.toBe(a.get('1.2.4'));
    expect(() => new HmacUidMapper('short')).toThrow(RangeError);
  });

  it('MemoryUidMapper remembers its random replacements', async () => {
    const mapper = new MemoryUidMapper();
    const first = await mapper.mapUids(['1.2.3']);
    const second = await mapper.mapUids(['1.2.3', '1.2.4']);
    expect(second.get('1.2.3')).toBe(first.get('1.2.3'));
    expect(isValidUid(second.get('1.2.4') as string)).toBe(true);
    expect(mapper.entries().size).toBe(2);
  });
});

import { characterSetDecoder } from './charset';

describe('characterSetDecoder', () => {
  it('decodes Japanese person names with ISO 2022 IR 87 escapes (PS3.5 H.3.1)', () => {
    const bytes = Buffer.from(
      '59616d6164615e5461726f753d1b24423b3345441b28425e1b244242404f3a1b28423d1b24422464245e24401b28425e1b2442243f246d24261b2842',
      'hex',
    );
    expect(characterSetDecoder(['', 'ISO 2022 IR 87'])(bytes, true)).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
  });

  it('decodes Korean person names with ISO 2022 IR 149 escapes (PS3.5 I.2)', () => {
    const bytes = Buffer.from('486f6e675e47696c646f6e673d1b242943fbf35e1b242943d1ced4d73d1b242943c8ab5e1b242943b1e6b5bf', 'hex');
    expect(characterSetDecoder(['', 'ISO 2022 IR 149'])(bytes, true)).toBe('Hong^Gildong=洪^吉洞=홍^길동');
  });

  it('keeps a JIS X 0208 byte 0x5C inside a character rather than splitting values there', () => {
    // 0x3C 0x5C is a kanji whose second byte is a backslash in ASCII.
    const bytes = Buffer.from('1b24423c5c1b2842', 'hex');
    expect(characterSetDecoder(['', 'ISO 2022 IR 87'])(bytes, false)).toBe('尺');
    expect(characterSetDecoder(['', 'ISO 2022 IR 87'])(bytes, false)).not.toContain('\\');
  });

  it('decodes single-byte repertoires and UTF-8', () => {
    expect(characterSetDecoder(['ISO_IR 100'])(Buffer.from([0x42, 0xe4, 0x72]), false)).toBe('Bär');
    expect(characterSetDecoder(['ISO_IR 144'])(Buffer.from([0xbb, 0xee, 0xda, 0xe1]), false)).toBe('Люкс');
    expect(characterSetDecoder(['ISO_IR 192'])(Buffer.from('Ünïcødé', 'utf8'), false)).toBe('Ünïcødé');
    expect(characterSetDecoder(undefined)(Buffer.from('plain'), false)).toBe('plain');
  });
});

import { characterSetDecoder } from './charset';
import { characterSetEncoder, chooseCharacterSet } from './charset-encoder';

function hex(terms: readonly string[], text: string, isPersonName = true): string | undefined {
  return characterSetEncoder(terms)(text, isPersonName)?.toString('hex');
}

function roundTrip(terms: readonly string[], text: string, isPersonName = false): string | undefined {
  const bytes = characterSetEncoder(terms)(text, isPersonName);
  return bytes === undefined ? undefined : characterSetDecoder(terms)(bytes, isPersonName);
}

describe('characterSetEncoder', () => {
  it('writes the Japanese person name of PS3.5 H.3.1 byte for byte (ISO 2022 IR 87)', () => {
    expect(hex(['', 'ISO 2022 IR 87'], 'Yamada^Tarou=山田^太郎=やまだ^たろう')).toBe(
      '59616d6164615e5461726f753d1b24423b3345441b28425e1b244242404f3a1b28423d1b24422464245e24401b28425e1b2442243f246d24261b2842',
    );
  });

  it('writes the Japanese person name of PS3.5 H.3.2 byte for byte (ISO 2022 IR 13 and IR 87)', () => {
    expect(hex(['ISO 2022 IR 13', 'ISO 2022 IR 87'], 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう')).toBe(
      'd4cfc0de5ec0dbb33d1b24423b3345441b284a5e1b244242404f3a1b284a3d1b24422464245e24401b284a5e1b2442243f246d24261b284a',
    );
  });

  it('writes the Korean person name of PS3.5 I.2 byte for byte (ISO 2022 IR 149)', () => {
    expect(hex(['', 'ISO 2022 IR 149'], 'Hong^Gildong=洪^吉洞=홍^길동')).toBe(
      '486f6e675e47696c646f6e673d1b242943fbf35e1b242943d1ced4d73d1b242943c8ab5e1b242943b1e6b5bf',
    );
  });

  it('writes the Chinese person name of PS3.5 K.2 byte for byte (ISO 2022 IR 58)', () => {
    expect(hex(['', 'ISO 2022 IR 58'], 'Zhang^XiaoDong=张^小东=')).toBe('5a68616e675e5869616f446f6e673d1b242941d5c55e1b242941d0a1b6ab3d');
  });

  it('writes GB18030 (PS3.5 K.1) and JIS X 0201 without code extensions', () => {
    expect(hex(['GB18030'], 'Wang^XiaoDong=王^小东=')).toBe(Buffer.from('Wang^XiaoDong=', 'latin1').toString('hex') + 'cdf55ed0a1b6ab3d');
    expect(hex(['ISO_IR 13'], 'ﾔﾏﾀﾞ^ﾀﾛｳ')).toBe('d4cfc0de5ec0dbb3');
  });

  it('returns to the initial code element before backslash and at the end of every value, also outside PN', () => {
    expect(hex(['', 'ISO 2022 IR 87'], '山^田\\A', false)).toBe('1b24423b33' + '1b28425e' + '1b24424544' + '1b28425c' + '41');
    // In PN, "^" returns G1 to its initial state, so KS X 1001 is designated again after it (PS3.5 I.2);
    // elsewhere "^" is an ordinary character and the designation holds.
    expect(hex(['', 'ISO 2022 IR 149'], '洪^吉', true)).toBe('1b242943fbf3' + '5e' + '1b242943d1ce');
    expect(hex(['', 'ISO 2022 IR 149'], '洪^吉', false)).toBe('1b242943fbf3' + '5e' + 'd1ce');
    // Before CR LF in text values too (PS3.5 6.1.2.5.3).
    expect(hex(['', 'ISO 2022 IR 87'], '山\r\n', false)).toBe('1b24423b331b28420d0a');
  });

  it('designates JIS X 0212 only for characters that JIS X 0208 lacks (ISO 2022 IR 159)', () => {
    const terms = ['', 'ISO 2022 IR 87', 'ISO 2022 IR 159'];
    expect(hex(terms, '丂山', false)).toBe('1b2428443021' + '1b24423b33' + '1b2842');
    expect(roundTrip(terms, 'Kanji 丂山 \\ 山')).toBe('Kanji 丂山 \\ 山');
    expect(hex(['', 'ISO 2022 IR 87'], '丂')).toBeUndefined();
  });

  it('switches G1 between single-byte sets of ISO 2022', () => {
    const terms = ['ISO 2022 IR 100', 'ISO 2022 IR 144'];
    expect(hex(terms, 'Bär Люкс', false)).toBe('42e47220' + '1b2d4cbbeedae1');
    expect(roundTrip(terms, 'Bär^Люкс=Müller', true)).toBe('Bär^Люкс=Müller');
    expect(roundTrip(['', 'ISO 2022 IR 126', 'ISO 2022 IR 138'], 'Ωμέγα שלום')).toBe('Ωμέγα שלום');
  });

  it.each([
    [['ISO_IR 100'], 'Müller^Gérard'],
    [['ISO_IR 101'], 'Dvořák^Łukasz'],
    [['ISO_IR 109'], 'Ġużeppi'],
    [['ISO_IR 110'], 'Ķēniņš'],
    [['ISO_IR 144'], 'Люкс^Иван'],
    [['ISO_IR 127'], 'قباني^لنزار'],
    [['ISO_IR 126'], 'Διονυσιος'],
    [['ISO_IR 138'], 'שרון^דבורה'],
    [['ISO_IR 148'], 'Çavuşoğlu^Ağrı'],
    [['ISO_IR 203'], 'Œuvre 5€'],
    [['ISO_IR 166'], 'ภาษาไทย'],
    [['ISO_IR 192'], 'Wang^XiaoDong=王^小东 😀'],
    [['GB18030'], 'Wang^XiaoDong=王^小东 😀'],
    [['GBK'], 'Wang^XiaoDong=王^小东'],
    [['ISO_IR 13'], 'ｱｲｳ^ABC'],
    [['', 'ISO 2022 IR 149'], '김희중^Kim\r\n홍길동'],
    [['', 'ISO 2022 IR 13', 'ISO 2022 IR 87'], 'ﾔﾏﾀﾞ 山田 やまだ ~'],
    [[], 'plain ASCII ~^=\\'],
  ])('round-trips text in %j through the decoder', (terms, text) => {
    expect(roundTrip(terms, text, false)).toBe(text);
    expect(roundTrip(terms, text, true)).toBe(text);
  });

  it('refuses text the character set cannot represent', () => {
    expect(characterSetEncoder(['ISO_IR 100'])('山田', false)).toBeUndefined();
    expect(characterSetEncoder(undefined)('Müller', false)).toBeUndefined();
    expect(characterSetEncoder(['ISO_IR 144'])('Müller', false)).toBeUndefined();
    expect(characterSetEncoder(['', 'ISO 2022 IR 149'])('ภาษา', false)).toBeUndefined();
    expect(characterSetEncoder(['GBK'])('😀', false)).toBeUndefined();
    expect(characterSetEncoder(['ISO_IR 192'])('\ud800', false)).toBeUndefined(); // a lone surrogate
    expect(characterSetEncoder(['', 'ISO 2022 IR 87'])('A\u001b$BB', false)).toBeUndefined();
    expect(characterSetEncoder(['ISO_IR 999'])('é', false)).toBeUndefined();
    expect(characterSetEncoder(['ISO_IR 999'])('plain', false)?.toString('latin1')).toBe('plain');
  });
});

describe('chooseCharacterSet', () => {
  it('keeps the preferred character set when it can encode every text', () => {
    expect(chooseCharacterSet(['', 'ISO 2022 IR 87'], ['Yamada^Tarou=山田^太郎', 'CT'])).toEqual(['', 'ISO 2022 IR 87']);
    expect(chooseCharacterSet(['ISO_IR 100'], ['Müller'])).toEqual(['ISO_IR 100']);
    expect(chooseCharacterSet(['ISO_IR 100'], ['ASCII only'])).toEqual(['ISO_IR 100']);
  });

  it('falls back to UTF-8 when the preferred set cannot encode a text', () => {
    expect(chooseCharacterSet(['ISO_IR 100'], ['Müller', '山田'])).toEqual(['ISO_IR 192']);
    expect(chooseCharacterSet(undefined, ['Müller'])).toEqual(['ISO_IR 192']);
    expect(chooseCharacterSet([], ['山田'])).toEqual(['ISO_IR 192']);
  });

  it('uses the default repertoire when nothing is preferred and every text is ASCII', () => {
    expect(chooseCharacterSet(undefined, ['Smith^John', 'CT'])).toEqual([]);
    expect(chooseCharacterSet([], [])).toEqual([]);
  });
});
